/// Bytes in one heap allocation that this value owns: for payloads built in memory
/// (chunk files, JSON bodies, tests). The allocation never moves, so its region stays
/// valid for as long as the value is referenced.
public final class OwnedBytes: SegmentBytes {
    private let storage: UnsafeMutableRawBufferPointer

    public init(_ bytes: some Collection<UInt8>) {
        storage = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        _ = storage.initializeMemory(as: UInt8.self, from: bytes)
        count = bytes.count
    }

    public let count: Int

    public func forEachRegion(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    deinit { storage.deallocate() }
}

// The storage is written once in `init` and only read afterwards.
extension OwnedBytes: @unchecked Sendable {}
