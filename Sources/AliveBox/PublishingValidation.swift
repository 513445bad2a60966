import AliveControl
import AlivePublish

extension BoxConfiguration {
    /// The `[publishing]` table checked by AlivePublish's own rules (the box's model keeps
    /// it as written), each problem with its dotted path; empty without a table. Used
    /// wherever a configuration is accepted: the API's changes, first boot, `config check`.
    public func publishingProblems() -> [ConfigurationProblem] {
        guard publishing != nil else { return [] }
        var problems: [ConfigurationProblem] = []
        if storage.backend == .none {
            problems.append(ConfigurationProblem(path: "storage.backend", reason: Self.publishingNeedsStorage))
        }
        do {
            _ = try publishingConfiguration()
        } catch let error as PublishError where !error.problems.isEmpty {
            problems += error.problems.map { ConfigurationProblem(path: $0.path, reason: $0.reason) }
        } catch let error as PublishError {
            problems.append(ConfigurationProblem(path: "publishing", reason: error.detail))
        } catch {
            problems.append(ConfigurationProblem(path: "publishing", reason: "\(error)"))
        }
        return problems
    }

    public static let publishingNeedsStorage = "publishing needs a storage backend (box, kubo, cluster or skynet): only stored segments are published"
}
