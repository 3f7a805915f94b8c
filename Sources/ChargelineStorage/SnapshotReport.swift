/// What `Store.snapshot` took: where, and how much.
public struct SnapshotReport: Sendable, Codable, Equatable {
    /// The snapshot's name: `20261207T051500.123Z` (UTC, when it was taken).
    public var id: String
    /// The folder holding it, laid out as a data directory (docs/format.md, "Snapshots").
    public var path: String
    /// Databases in it, rollup tiers not counted.
    public var databases: [String]
    /// Files in it.
    public var files: Int
    /// Bytes in it (hard-linked segment files counted at their full size).
    public var bytes: Int64
    /// How long taking it took (ms).
    public var milliseconds: Double

    public init(id: String, path: String, databases: [String], files: Int, bytes: Int64, milliseconds: Double) {
        self.id = id
        self.path = path
        self.databases = databases
        self.files = files
        self.bytes = bytes
        self.milliseconds = milliseconds
    }
}
