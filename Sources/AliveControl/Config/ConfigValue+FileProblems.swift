extension ConfigValue {
    /// Deeper than this is no configuration anyone writes: the deepest setting there is, an
    /// element of `publishing.hive.api_nodes`, sits at depth 4. The bound also keeps every
    /// recursive walk over a tree that came from the API short.
    public static let maximumDepth = 8

    /// What the TOML file cannot hold exactly as given, each with its path:
    /// - numbers that are not finite: TOML's `nan` never equals itself, so such a file can
    ///   never be checked to read back as written, and no setting takes one;
    /// - NUL characters in a key or a string: the TOML reader ends the text there, so the
    ///   file would read back shorter than it was written;
    /// - nesting deeper than `maximumDepth`.
    func fileProblems(at path: String = "", depth: Int = 0) -> [ConfigurationProblem] {
        let shown = path.isEmpty ? "(root)" : path
        guard depth <= Self.maximumDepth else {
            return [ConfigurationProblem(path: shown, reason: "nested deeper than \(Self.maximumDepth) levels")]
        }
        switch self {
        case .double(let double) where !double.isFinite:
            return [ConfigurationProblem(path: shown, reason: "must be a finite number (NaN and infinity cannot be written to the file)")]
        case .string(let string) where string.unicodeScalars.contains("\0"):
            return [ConfigurationProblem(path: shown, reason: "must not contain a NUL character")]
        case .table(let fields):
            return fields.keys.sorted().flatMap { key -> [ConfigurationProblem] in
                let child = TOMLString.path(path, key)
                if key.unicodeScalars.contains("\0") {
                    return [ConfigurationProblem(path: child, reason: "a key must not contain a NUL character")]
                }
                return fields[key]!.fileProblems(at: child, depth: depth + 1)
            }
        case .array(let items):
            return items.enumerated().flatMap { index, item in item.fileProblems(at: "\(shown)[\(index)]", depth: depth + 1) }
        default:
            return []
        }
    }
}
