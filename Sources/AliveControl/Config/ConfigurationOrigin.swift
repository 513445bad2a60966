/// Where the running configuration came from, and why it is not the file when it is not:
/// `/api/v1/status` shows it (`configuration`) and the page warns while there are problems.
public struct ConfigurationOrigin: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// The configuration file, as written.
        case file
        /// The file was refused at start; `<file>.last-good`, the last file that passed, runs.
        case lastGood = "last_good"
        /// The embedded default: no file was given, or the file was refused and there was no
        /// usable last good copy.
        case embeddedDefault = "default"
    }

    public var source: Source
    /// What was wrong with the file at start; empty when the file runs or none was given.
    public var problems: [ConfigurationProblem]
    /// The refused file's bytes, kept for inspection (`<file>.rejected`).
    public var rejectedFile: String?

    public init(source: Source, problems: [ConfigurationProblem] = [], rejectedFile: String? = nil) {
        self.source = source
        self.problems = problems
        self.rejectedFile = rejectedFile
    }

    /// The file runs, with nothing wrong.
    public static let file = ConfigurationOrigin(source: .file)
    /// No file was given: the embedded default runs by choice, with nothing wrong.
    public static let embeddedDefault = ConfigurationOrigin(source: .embeddedDefault)
}
