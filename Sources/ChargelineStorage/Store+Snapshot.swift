import ChargelineCore

extension Store {
    /// The folder under the data directory where `snapshot()` puts snapshots. Starts with a
    /// dot: database names cannot, so it never collides with a database and opening skips it.
    public static let snapshotsFolder = ".snapshots"

    /// Takes a consistent point-in-time copy of every database into a new folder
    /// `DATA/.snapshots/<id>/` (see `snapshot(to:)`), on the same file system as the data so
    /// segment files are hard links and cost no space until compaction or retention removes
    /// the originals. The caller owns the folder and removes it when done (a backup does).
    public func snapshot() throws -> SnapshotReport {
        let root = directory + "/" + Store.snapshotsFolder
        var id = Store.snapshotID(FileIO.nowNanoseconds())
        var n = 1
        while FileIO.isDirectory(root + "/" + id) {
            n += 1
            id = Store.snapshotID(FileIO.nowNanoseconds()) + "-\(n)"
        }
        return try snapshot(to: root + "/" + id, id: id)
    }

    /// Takes a consistent point-in-time copy of every database into `path` (created; must
    /// not exist or be empty), laid out as a data directory: copying the folder to an empty
    /// data directory restores the store, and opening it answers every query as this store did
    /// when the snapshot was taken (every write acknowledged before this call is in it).
    ///
    /// Writes, queries, flushes and compactions continue meanwhile. Segment files are hard
    /// links where `path` is on the data's file system, copies elsewhere; the manifest, the
    /// rollup state and the WAL tail are copied. Not fsynced: a snapshot is read right away
    /// (by a backup); after a crash, remove a half-written one.
    /// - Throws: `ChargelineError` when `path` is not empty, the store is closed, or a file
    ///   cannot be linked or copied (names the file).
    public func snapshot(to path: String, id: String? = nil) throws -> SnapshotReport {
        let started = FileIO.monotonicNanoseconds()
        if !FileIO.list(path).isEmpty {
            throw ChargelineError(.badInput, "snapshot folder \(path) is not empty; pass a new or empty folder")
        }
        let names = table.names()
        try FileIO.makeDirectories(path)
        var files = 0
        var bytes: Int64 = 0
        // Each under a lease (a closed one is opened for it, and may close again after).
        for name in names {
            try table.with(name, touch: false) { try $0.snapshot(into: path + "/" + name, files: &files, bytes: &bytes) }
        }
        return SnapshotReport(id: id ?? path.split(separator: "/").last.map(String.init) ?? path, path: path,
                              databases: names, files: files, bytes: bytes,
                              milliseconds: Double(FileIO.monotonicNanoseconds() - started) / 1e6)
    }

    /// `20261207T051500.123Z`: UTC, milliseconds, sorts by time.
    static func snapshotID(_ ns: Int64) -> String {
        let base = FileNames.partition(start: ns).dropLast()
        let ms = (ns / 1_000_000) % 1000
        let digits = String(ms)
        return base + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }
}
