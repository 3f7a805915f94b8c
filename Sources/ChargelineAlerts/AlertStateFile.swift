import ChargelineStorage

/// The alert states kept across restarts: `<data>/alerts.state`, a checksummed JSON document
/// replaced atomically (docs/format.md, "alerts.state"). A restart neither re-fires nor forgets
/// a firing alert, and late episodes already reported stay reported.
public enum AlertStateFile {
    /// The file's name in the data directory.
    public static let name = "alerts.state"
    static let file = ChecksummedJSONFile(magic: Array("CLAS".utf8), version: 1, what: "alert state file",
                                          remedy: "delete it: alerts then start again from inactive")

    /// What the file holds: each alerting rule's state by `group/rule`.
    public struct Contents: Codable, Sendable, Equatable {
        public var rules: [String: AlertingRuleState]
        public init(rules: [String: AlertingRuleState] = [:]) { self.rules = rules }
    }

    /// Reads `directory/alerts.state`; empty when there is none.
    /// - Throws: `ChargelineError` (`.corruption`) naming the file when it is damaged.
    public static func load(directory: String) throws -> Contents {
        try file.load(Contents.self, directory: directory, name: name) ?? Contents()
    }

    /// Replaces `directory/alerts.state` with `contents` (write, fsync, rename).
    public static func store(_ contents: Contents, directory: String) throws {
        try file.store(contents, directory: directory, name: name)
    }
}
