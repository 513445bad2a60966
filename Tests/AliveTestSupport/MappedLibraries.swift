import Foundation

/// The file names of the shared objects in a process's address space (`libavformat.so.59.27.100`),
/// from /proc/PID/maps read to its end (a procfs file has no size: one read gives one page).
public func mappedLibraries(pid: Int32) throws -> Set<String> {
    guard let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/maps") else {
        throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: "/proc/\(pid)/maps"])
    }
    defer { try? handle.close() }
    let maps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    var names = Set<String>()
    for line in maps.split(separator: "\n") {
        // address perms offset dev inode [path]: library paths have no spaces.
        guard let path = line.split(separator: " ").last, path.hasPrefix("/"),
              let name = path.split(separator: "/").last, name.contains(".so") else { continue }
        names.insert(String(name))
    }
    return names
}
