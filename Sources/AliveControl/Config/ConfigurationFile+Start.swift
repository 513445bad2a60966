import Foundation

/// The configuration a start runs on, where it came from, and what else the log should say.
public struct StartConfiguration: Sendable {
    public var configuration: BoxConfiguration
    public var origin: ConfigurationOrigin
    /// Besides the file's own problems: a copy that could not be written, a last good copy
    /// that was missing or refused too.
    public var notes: [String]

    public init(configuration: BoxConfiguration, origin: ConfigurationOrigin, notes: [String] = []) {
        self.configuration = configuration
        self.origin = origin
        self.notes = notes
    }
}

extension ConfigurationFile {
    /// Reads the file for a start. A headless box must come up whatever the file says: a file
    /// that passes (TOML, the box's rules, `validator`) runs and is kept as the last good copy;
    /// one that does not is copied to `<file>.rejected` and left in place (the next change
    /// saved from the API replaces it), and the box runs on the last good copy when that
    /// passes, else on the embedded default. The origin says which, and why.
    public func loadAtStart(validator: (BoxConfiguration) -> [ConfigurationProblem]) -> StartConfiguration {
        var notes: [String] = []
        switch Self.read(path, validator: validator) {
        case .passed(let configuration, let bytes):
            do { try keepAsLastGood(bytes) } catch {
                notes.append("the last good copy of the configuration was not kept: \(error)")
            }
            return StartConfiguration(configuration: configuration, origin: .file, notes: notes)
        case .refused(let problems, let bytes):
            var rejectedFile: String?
            if let bytes {
                do {
                    try AtomicFile.write(bytes, to: rejectedPath, mode: mode)
                    rejectedFile = rejectedPath
                } catch {
                    notes.append("the refused configuration file was not copied for inspection: \(error)")
                }
            }
            if !FileManager.default.fileExists(atPath: lastGoodPath) {
                notes.append("no last good copy (\(lastGoodPath)) to fall back on: running on the embedded default")
            } else {
                switch Self.read(lastGoodPath, validator: validator) {
                case .passed(let configuration, _):
                    return StartConfiguration(configuration: configuration,
                                              origin: ConfigurationOrigin(source: .lastGood, problems: problems, rejectedFile: rejectedFile),
                                              notes: notes)
                case .refused(let lastGoodProblems, _):
                    notes.append("the last good copy \(lastGoodPath) is refused too (\(lastGoodProblems.map(\.description).joined(separator: "; "))): running on the embedded default")
                }
            }
            return StartConfiguration(configuration: .default,
                                      origin: ConfigurationOrigin(source: .embeddedDefault, problems: problems, rejectedFile: rejectedFile),
                                      notes: notes)
        }
    }

    private enum Reading {
        case passed(BoxConfiguration, bytes: [UInt8])
        /// `bytes`: nil when the file could not be read at all.
        case refused([ConfigurationProblem], bytes: [UInt8]?)
    }

    /// The configuration in the file at `path`, or every problem with it.
    private static func read(_ path: String, validator: (BoxConfiguration) -> [ConfigurationProblem]) -> Reading {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read \(path)" : "\(path) does not exist"
            return .refused([ConfigurationProblem(path: "(file)", reason: reason)], bytes: nil)
        }
        let bytes = [UInt8](data)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .refused([ConfigurationProblem(path: "(file)", reason: "\(path) is not UTF-8 text")], bytes: bytes)
        }
        do {
            let configuration = try BoxConfiguration.parse(toml: text)
            let problems = validator(configuration)
            return problems.isEmpty ? .passed(configuration, bytes: bytes) : .refused(problems, bytes: bytes)
        } catch let error as ConfigurationError {
            return .refused(error.problems, bytes: bytes)
        } catch {
            return .refused([ConfigurationProblem(path: "(file)", reason: "\(error)")], bytes: bytes)
        }
    }
}
