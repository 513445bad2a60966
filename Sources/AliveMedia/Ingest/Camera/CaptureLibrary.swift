import CFFmpeg
import Glibc
import Synchronization

/// libavdevice, loaded when the camera first opens a device instead of being linked.
///
/// Linked, it maps libavfilter and through it SDL2, PulseAudio, JACK, X11, GL, flite's
/// voices, pocketsphinx and libplacebo into every box, RTMP ones too (some 80 libraries,
/// their relocated pages anonymous memory). Only the camera needs it: its one entry point,
/// `avdevice_register_all`, hands the device inputs (v4l2, lavfi, alsa) to libavformat,
/// where `av_find_input_format` finds them. The library is never unloaded (libavformat
/// keeps pointers into it); a failed load is not remembered, so a library installed later
/// is found by the camera's next retry.
enum CaptureLibrary {
    /// The soname of the libavdevice the headers were built against (`libavdevice.so.59`).
    static let soname = "libavdevice.so.\(cffmpeg_avdevice_version_major)"

    private static let loaded = Mutex(false)

    /// Loads libavdevice and registers its inputs (once per process; later calls return at
    /// once); throws `libraryUnavailable` with the loader's message when it cannot.
    static func load() throws(CameraError) {
        try loaded.withLock { isLoaded throws(CameraError) in
            guard !isLoaded else { return }
            try register(soname)
            isLoaded = true
        }
    }

    /// Opens `library`, looks up `avdevice_register_all` and calls it. Separate from
    /// `load()` so a test can name a library that is not there.
    static func register(_ library: String) throws(CameraError) {
        // RTLD_LOCAL: its symbols stay out of the global namespace; libavformat is already
        // loaded and shared with it (same soname), so the inputs land in the box's libavformat.
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            throw CameraError.libraryUnavailable(library, reason: lastLoaderError())
        }
        guard let symbol = dlsym(handle, "avdevice_register_all") else {
            let reason = lastLoaderError()
            dlclose(handle)
            throw CameraError.libraryUnavailable(library, reason: reason)
        }
        // The C signature is `void avdevice_register_all(void)`.
        let registerAll = unsafeBitCast(symbol, to: (@convention(c) () -> Void).self)
        registerAll()
    }

    private static func lastLoaderError() -> String {
        guard let message = dlerror() else { return "unknown loader error" }
        return String(cString: message)
    }
}
