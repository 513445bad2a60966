import Testing
@testable import AliveControl

/// `ingest.source` and the `[camera]` table: parsing, the derived keyframe interval, and
/// every problem with its field path.
struct CameraConfigurationTests {
    @Test func rtmpStaysTheDefaultSource() throws {
        let configuration = try BoxConfiguration.parse(toml: "")
        #expect(configuration.ingest.source == .rtmp)
        #expect(configuration.camera == BoxConfiguration.Camera())
        #expect(configuration.cameraConfiguration.keyframeIntervalFrames == 300)   // 30 fps × 10 s
    }

    @Test func readsTheCameraTable() throws {
        let configuration = try BoxConfiguration.parse(toml: """
            [ingest]
            source = "camera"
            [segments]
            seconds = 2
            [camera]
            input_format = "lavfi"
            device = "testsrc2"
            width = 640
            height = 360
            frames_per_second = 25
            bitrate_kbps = 1200
            encoder = "libx264"
            audio_input_format = "lavfi"
            audio_device = "sine"
            audio_sample_rate = 44100
            audio_channels = 1
            audio_bitrate_kbps = 96
            retry_seconds = 5
            frame_queue_depth = 4
            real_time = false
            """)
        #expect(configuration.ingest.source == .camera)
        let camera = configuration.cameraConfiguration
        #expect(camera.inputFormat == .lavfi && camera.device == "testsrc2" && camera.pixelFormat == nil)
        #expect(camera.width == 640 && camera.height == 360 && camera.framesPerSecond == 25 && camera.bitrateKbps == 1200)
        #expect(camera.keyframeIntervalFrames == 50 && camera.keyframeIntervalMilliseconds == 2000)
        #expect(camera.encoder == .libx264 && camera.audioDevice == "sine" && camera.audioInputFormat == .lavfi)
        #expect(camera.audioSampleRate == 44100 && camera.audioChannels == 1 && camera.audioBitrateKbps == 96)
        #expect(camera.retrySeconds == 5 && camera.frameQueueDepth == 4 && !camera.realTime)
        // The tree (API and saved file) carries the same names back.
        let again = try BoxConfiguration(tree: configuration.tree)
        #expect(again == configuration)
        #expect(try BoxConfiguration.parse(toml: configuration.renderTOML()) == configuration)
    }

    @Test func keyframeIntervalMayDivideTheSegment() throws {
        let configuration = try BoxConfiguration.parse(toml: "[segments]\nseconds = 2\n[camera]\nkeyframe_interval_frames = 30")
        #expect(configuration.cameraConfiguration.keyframeIntervalFrames == 30)
        #expect(configuration.cameraConfiguration.keyframeIntervalMilliseconds == 1000)
    }

    @Test func everyCameraProblemHasItsPath() {
        do {
            _ = try BoxConfiguration.parse(toml: """
                [ingest]
                source = "webcam"
                [camera]
                input_format = "dshow"
                encoder = "x265"
                resolution = "720p"
                """)
            Issue.record("accepted a bad file")
        } catch let error as ConfigurationError {
            #expect(Set(error.problems.map(\.path)) == ["ingest.source", "camera.input_format", "camera.encoder", "camera.resolution"])
            #expect(error.problems.first { $0.path == "ingest.source" }?.reason == "must be one of rtmp, camera")
            #expect(error.problems.first { $0.path == "camera.input_format" }?.reason == "must be one of v4l2, lavfi")
            #expect(error.problems.first { $0.path == "camera.resolution" }?.reason == "unknown setting")
        } catch {
            Issue.record("\(error)")
        }
        do {
            _ = try BoxConfiguration.parse(toml: """
                [segments]
                seconds = 2
                [camera]
                device = "video0"
                pixel_format = "yuv 422"
                width = 641
                height = 0
                frames_per_second = 0
                bitrate_kbps = 10
                keyframe_interval_frames = 7
                audio_sample_rate = 44000
                audio_channels = 6
                audio_bitrate_kbps = 1000
                retry_seconds = 0
                frame_queue_depth = 1000
                """)
            Issue.record("accepted a bad file")
        } catch let error as ConfigurationError {
            #expect(Set(error.problems.map(\.path)) == [
                "camera.device", "camera.pixel_format", "camera.width", "camera.height", "camera.frames_per_second", "camera.bitrate_kbps",
                "camera.keyframe_interval_frames", "camera.audio_sample_rate", "camera.audio_channels", "camera.audio_bitrate_kbps",
                "camera.retry_seconds", "camera.frame_queue_depth",
            ])
        } catch {
            Issue.record("\(error)")
        }
        var configuration = BoxConfiguration()
        configuration.segments.seconds = 2
        configuration.camera.keyframeIntervalFrames = 45
        #expect(configuration.validate() == [ConfigurationProblem(path: "camera.keyframe_interval_frames",
            reason: "must divide frames_per_second × segments.seconds (60) so segments cut exactly, or be 0 to use 60")])
        configuration.camera.keyframeIntervalFrames = 0
        configuration.camera.inputFormat = .lavfi
        configuration.camera.device = "testsrc2"
        configuration.camera.pixelFormat = "mjpeg"
        #expect(configuration.validate().map(\.path) == ["camera.pixel_format"])
    }
}
