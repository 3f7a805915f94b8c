/// One problem `StoreVerifier` found: which file, where in it, what is wrong and what to do.
public struct VerifyProblem: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The file's path (as reached from the data directory passed in).
    public var file: String
    /// Byte offset in the file where the damage is, when one applies.
    public var offset: Int?
    /// What is wrong and what it means.
    public var problem: String
    /// What the operator should do about it.
    public var action: String

    public init(file: String, offset: Int? = nil, problem: String, action: String) {
        self.file = file
        self.offset = offset
        self.problem = problem
        self.action = action
    }

    public var description: String {
        "\(file)" + (offset.map { " at byte \($0)" } ?? "") + ": \(problem). \(action)"
    }
}

/// What operators are told to do, one sentence per kind of damage.
enum VerifyAction {
    static let segment = "Run `chargeline repair --data DIR` (server stopped) to quarantine the segment into <db>/quarantine/ and drop it from the manifest (its rows are lost), or restore the file from a backup"
    static let manifest = "Run `chargeline repair --data DIR` (server stopped) to rebuild the manifest from the segment files, or restore it from a backup"
    static let manifestEntry = "The manifest and the segment disagree: run `chargeline repair --data DIR` (server stopped) to quarantine the segment, or restore both from a backup"
    static let missing = "Restore the file from a backup; otherwise `chargeline repair --data DIR` drops it from the manifest (its rows are lost)"
    static let unlisted = "Not in the manifest: a leftover of an interrupted flush or compaction, removed at the next start; if the manifest was damaged, `chargeline repair` rebuilds it from these files"
    static let rollupState = "Restore ROLLUPS from a backup, or run `chargeline repair --data DIR` (server stopped): it quarantines the file and the next rollup run recomputes every bucket from the raw data still kept"
    static let wal = "The next start skips the damaged records (their writes are lost); back up the file first if you want to inspect it"
}
