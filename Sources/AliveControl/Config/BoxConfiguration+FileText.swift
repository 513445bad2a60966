extension BoxConfiguration {
    /// The configuration file's text, checked as the box will read it at its next start:
    /// the exact text is parsed back, must give the same tree, and must pass the box's
    /// rules and `validator`. Throws `ConfigurationError` (nothing is written) otherwise,
    /// so no change from the API can leave a file the next start refuses.
    public func fileText(validator: (BoxConfiguration) -> [ConfigurationProblem]) throws -> String {
        let text = renderTOML()
        try Self.check(text, readsBackAs: self, validator: validator)
        return text
    }

    /// Refuses `text` unless it reads back as exactly `intended` and passes every rule.
    static func check(_ text: String, readsBackAs intended: BoxConfiguration,
                      validator: (BoxConfiguration) -> [ConfigurationProblem]) throws {
        let reread: BoxConfiguration
        do {
            reread = try BoxConfiguration.parse(toml: text)
        } catch let error as ConfigurationError {
            throw ConfigurationError(problems: error.problems.map {
                ConfigurationProblem(path: $0.path, reason: "the file as it would be written does not read back: \($0.reason)")
            })
        }
        let differences = ConfigurationStore.changedPaths(from: intended.tree, to: reread.tree)
        guard differences.isEmpty else {
            throw ConfigurationError(problems: differences.map {
                ConfigurationProblem(path: $0, reason: "the file as it would be written reads back differently")
            })
        }
        let problems = validator(reread)
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
    }
}
