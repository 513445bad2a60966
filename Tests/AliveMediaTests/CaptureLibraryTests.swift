import AliveTestSupport
import CFFmpeg
import Foundation
import Testing
@testable import AliveMedia

/// libavdevice through dlopen: the camera's inputs reach libavformat once it is loaded; a
/// library that is missing, or is not libavdevice, is a `libraryUnavailable` naming it and
/// the loader's reason.
@Suite struct CaptureLibraryTests {
    @Test func loadingRegistersTheDeviceInputsWithLibavformat() throws {
        try CaptureLibrary.load()
        try CaptureLibrary.load()   // once per process; the second call only checks
        for input in ["lavfi", "v4l2", "alsa"] {
            #expect(av_find_input_format(input) != nil, "\(input) not registered")
        }
        let libraries = try mappedLibraries(pid: getpid())
        #expect(libraries.contains { $0.hasPrefix(CaptureLibrary.soname) }, "\(libraries.sorted())")
    }

    @Test func aMissingLibraryIsNamedWithTheLoadersReason() {
        let missing = "libalived-no-such-library.so.0"
        #expect {
            try CaptureLibrary.register(missing)
        } throws: { error in
            guard let error = error as? CameraError, error.isLibraryUnavailable else { return false }
            return "\(error)".hasPrefix("camera capture library \(missing) cannot be loaded")
                && "\(error)".contains("cannot open shared object file")
        }
    }

    @Test func aLibraryWithoutTheEntryPointIsRefused() {
        // libavutil is loaded and real, but it is not libavdevice.
        #expect {
            try CaptureLibrary.register("libavutil.so.\(LIBAVUTIL_VERSION_MAJOR)")
        } throws: { error in
            guard let error = error as? CameraError, error.isLibraryUnavailable else { return false }
            return "\(error)".contains("avdevice_register_all")
        }
    }
}
