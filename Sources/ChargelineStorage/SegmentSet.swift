import ChargelineCore
import Foundation
import Logging

/// The segment set of one database: its manifest (which segment files hold its data, the
/// tombstones of deletes not yet applied everywhere, the data-generation and file-id counters,
/// where WAL replay starts) and a reader per listed file, grouped by time partition, with what
/// compaction and `inspect` ask of them (when a partition last got a segment, how many files
/// sit in `quarantine/`).
///
/// Ownership: the `Database` owns one (`Database.segmentSet`) for its whole life. Flushes,
/// compactions, retention, deletes and the open-time quarantine change it, each through one
/// `commit`; reads take readers from it. Segment files are written and removed by those
/// callers, never by the set: it only lists them.
///
/// Thread-safety: every method may be called from any thread.
/// - `lock` guards every field. It is held only for in-memory work and the set calls out to
///   nothing while holding it, so it is always the innermost lock.
/// - `storeMutex` (the manifest mutex) serializes manifest stores (`commit`) and whatever must
///   see the stored manifest and the files it lists stay put (`withStoredManifest`: a snapshot
///   linking them). Held across disk I/O; a flush and a compaction may run at once, their
///   manifest updates one after the other.
/// - A change is installed (`install`) only once the manifest describing it is durable, and
///   only with `Database.lock` held (`Database.updateManifest`), as are the generation counters
///   taken by `takeSeq`. So a caller holding `Database.lock` sees the set and the heads at one
///   instant: a read never sees a flushed head both as a frozen head and as segments, or as
///   neither.
///
/// Lock order (outermost first): `storeMutex` -> `Database.lock` -> `lock`, and
/// `storeMutex` -> `RollupTracker`'s store mutex (a snapshot). No database lock is taken with
/// `lock` held.
final class SegmentSet: @unchecked Sendable {
    private let lock = NSLock()
    private let storeMutex = NSLock()

    /// The database folder (the manifest and `partitions/` live in it).
    let directory: String
    /// Partition length (ns), fixed when the database was created; read without the lock.
    let partitionDuration: Int64

    /// The manifest as last stored, with the counters taken since.
    private var manifest: Manifest
    /// Segment readers per partition start, each list ordered by seq (oldest first).
    private var readers: [Int64: [SegmentReader]] = [:]
    /// When a flush last added a segment to each partition (monotonic ns), for compaction.
    private var lastSegmentAdded: [Int64: Int64] = [:]
    /// Segment files in `quarantine/` (moved there at start-up or by `chargeline repair`).
    private var quarantined = 0
    /// The filter of the manifest's tombstones (by their seqs), built once per change, not per read.
    private var cachedTombstoneFilter: (seqs: [UInt64], filter: TombstoneFilter)?

    /// Reads the manifest of the database in `directory` (a new one with `partitionDuration`
    /// when there is none, stored unless `readOnly`), builds a reader per listed segment and,
    /// unless `readOnly`, removes files the manifest does not list (leftovers of a flush or
    /// compaction that crashed before its manifest swap). No segment file is read.
    init(directory: String, partitionDuration newDuration: Int64, readOnly: Bool, logger: Logger) throws {
        self.directory = directory
        if !readOnly { try? FileIO.remove(directory + "/" + FileNames.manifestTemp) }
        let loaded = try Manifest.load(directory: directory)
        if loaded == nil, !readOnly, FileIO.list(directory + "/" + FileNames.partitionsDirectory).contains(where: { folder in
            FileIO.list(directory + "/" + FileNames.partitionsDirectory + "/" + folder).contains { $0.hasSuffix(FileNames.segmentSuffix) }
        }) {
            // A fresh manifest would list none of them, and the open would remove them all.
            throw ChargelineError(.corruption, "\(directory)/\(FileNames.manifest) is missing but the database holds segment files; run `chargeline repair --data DIR` to rebuild it from them, or restore it from a backup")
        }
        manifest = loaded ?? Manifest(partitionDuration: newDuration)
        guard manifest.partitionDuration > 0 else {
            throw ChargelineError(.corruption, "\(directory)/\(FileNames.manifest): partition duration \(manifest.partitionDuration) is not positive")
        }
        partitionDuration = manifest.partitionDuration
        if loaded == nil && !readOnly { try manifest.store(directory: directory) }
        try loadReaders(readOnly: readOnly, logger: logger)
        quarantined = countQuarantined()
    }

    private func loadReaders(readOnly: Bool, logger: Logger) throws {
        var live: [Int64: Set<String>] = [:]
        for info in manifest.segments {
            readers[info.partitionStart, default: []].append(SegmentReader(info: info, path: path(of: info)))
            live[info.partitionStart, default: []].insert(FileNames.segment(info.id))
        }
        for key in readers.keys { readers[key]!.sort { $0.info.seq < $1.info.seq } }
        let root = directory + "/" + FileNames.partitionsDirectory
        for folder in FileIO.list(root) where !readOnly {
            let names = FileIO.list(root + "/" + folder)
            let start = readers.keys.first { FileNames.partition(start: $0) == folder }
            for name in names where start == nil || !(live[start!]?.contains(name) ?? false) {
                if name.hasSuffix(FileNames.segmentSuffix) || name.hasSuffix(FileNames.tempSuffix) {
                    logger.info("removing \(folder)/\(name): not in the manifest (left by an interrupted flush or compaction)")
                    try FileIO.remove(root + "/" + folder + "/" + name)
                }
            }
            if start == nil { FileIO.removeDirectoryIfEmpty(root + "/" + folder) }
        }
    }

    // MARK: - Paths

    /// The folder damaged files are moved to: `<database>/quarantine/` (docs/format.md).
    var quarantineDirectory: String { directory + "/" + FileNames.quarantineDirectory }

    func partitionDirectory(_ start: Int64) -> String {
        directory + "/" + FileNames.partitionsDirectory + "/" + FileNames.partition(start: start)
    }

    /// Where the segment file `info` describes lives.
    func path(of info: SegmentInfo) -> String {
        partitionDirectory(info.partitionStart) + "/" + FileNames.segment(info.id)
    }

    private func countQuarantined() -> Int {
        FileIO.list(quarantineDirectory).filter { $0.hasSuffix(FileNames.segmentSuffix) }.count
    }

    // MARK: - Changes

    /// What a committed manifest changes in the readers.
    enum Edit {
        /// Nothing (a change of tombstones or of the schema only).
        case none
        /// A flush wrote these segments (each partition noted as just added to).
        case added([SegmentInfo])
        /// A compaction replaced the segments `ids` of partition `start` by `output` (nil: none).
        case replaced(start: Int64, ids: Set<UInt64>, output: SegmentInfo?)
        /// Retention dropped the segments `ids` of partition `start`.
        case removed(start: Int64, ids: Set<UInt64>)
    }

    /// Stores the manifest `prepare` makes (from `manifestCopy()`, under the caller's locks)
    /// with its segments sorted by partition then seq, then hands it to `publish`, which installs
    /// it (`install`) with `Database.lock` held. One commit at a time.
    func commit(_ prepare: () throws -> Manifest, publish: (Manifest) -> Void) throws {
        storeMutex.lock()
        defer { storeMutex.unlock() }
        var next = try prepare()
        next.segments.sort { ($0.partitionStart, $0.seq) < ($1.partitionStart, $1.seq) }
        try next.store(directory: directory)
        publish(next)
    }

    /// Makes `next`, just stored by `commit`, the current manifest (keeping the larger
    /// counters: they may have moved while it was stored) and applies `edit` to the readers.
    /// Returns whether a tombstone settled (was applied everywhere and left the manifest).
    /// Only from `commit`'s `publish`, with `Database.lock` held.
    func install(_ next: Manifest, _ edit: Edit) -> Bool {
        lock.lock(); defer { lock.unlock() }
        var next = next
        next.nextSeq = max(next.nextSeq, manifest.nextSeq)
        next.nextSegmentID = max(next.nextSegmentID, manifest.nextSegmentID)
        let remaining = Set((next.tombstones ?? []).map(\.seq))
        let settled = (manifest.tombstones ?? []).contains { !remaining.contains($0.seq) }
        manifest = next
        switch edit {
        case .none:
            break
        case .added(let infos):
            for info in infos {
                readers[info.partitionStart, default: []].append(SegmentReader(info: info, path: path(of: info)))
                readers[info.partitionStart]!.sort { $0.info.seq < $1.info.seq }
                lastSegmentAdded[info.partitionStart] = FileIO.monotonicNanoseconds()
            }
        case .replaced(let start, let ids, let output):
            var list = readers[start] ?? []
            list.removeAll { ids.contains($0.info.id) }
            if let output { list.append(SegmentReader(info: output, path: path(of: output))) }
            list.sort { $0.info.seq < $1.info.seq }
            readers[start] = list.isEmpty ? nil : list
        case .removed(let start, let ids):
            readers[start]?.removeAll { ids.contains($0.info.id) }
            if readers[start]?.isEmpty == true { readers[start] = nil }
        }
        return settled
    }

    /// Takes the next data generation (a frozen head's or a delete's `seq`). With
    /// `Database.lock` held.
    func takeSeq() -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        let seq = manifest.nextSeq
        manifest.nextSeq += 1
        return seq
    }

    /// Reserves a segment file id.
    func allocateSegmentID() -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        let id = manifest.nextSegmentID
        manifest.nextSegmentID += 1
        return id
    }

    /// At open: drops the segments `ids` (moved to `quarantine/`) from the manifest, stored at
    /// once, and from the readers.
    func dropQuarantined(_ ids: Set<UInt64>) throws {
        storeMutex.lock(); defer { storeMutex.unlock() }
        lock.lock(); defer { lock.unlock() }
        manifest.segments.removeAll { ids.contains($0.id) }
        try manifest.store(directory: directory)
        for key in readers.keys {
            readers[key]!.removeAll { ids.contains($0.info.id) }
            if readers[key]!.isEmpty { readers[key] = nil }
        }
        quarantined = countQuarantined()
    }

    /// At open: records deletes the WAL replay found whose manifest update a crash cut short
    /// (each with the partitions holding data it covers), with `schema`; stored unless
    /// `readOnly`.
    func recordReplayed(_ tombstones: [Tombstone], schema: Schema, readOnly: Bool) throws {
        storeMutex.lock(); defer { storeMutex.unlock() }
        lock.lock(); defer { lock.unlock() }
        for t in tombstones {
            var t = t
            t.pending = pendingPartitionsHoldingLock(t.range)
            manifest.tombstones = (manifest.tombstones ?? []) + [t]
            manifest.nextSeq = max(manifest.nextSeq, t.seq + 1)
        }
        manifest.setSchema(schema)
        if !readOnly { try manifest.store(directory: directory) }
    }

    /// Runs `body` while no manifest is stored, so every file the stored manifest lists stays
    /// (files leave only after a manifest that no longer lists them is stored).
    func withStoredManifest<T>(_ body: () throws -> T) rethrows -> T {
        storeMutex.lock(); defer { storeMutex.unlock() }
        return try body()
    }

    // MARK: - Queries

    /// A copy of the current manifest.
    var manifestCopy: Manifest {
        lock.lock(); defer { lock.unlock() }
        return manifest
    }

    /// The readers of every partition (each list ordered by seq).
    var partitions: [Int64: [SegmentReader]] {
        lock.lock(); defer { lock.unlock() }
        return readers
    }

    /// The readers of partition `start`, ordered by seq.
    func readers(in start: Int64) -> [SegmentReader] {
        lock.lock(); defer { lock.unlock() }
        return readers[start] ?? []
    }

    /// Partition starts holding segments, ascending.
    func partitionStarts() -> [Int64] {
        lock.lock(); defer { lock.unlock() }
        return readers.keys.sorted()
    }

    /// Whether no segment is listed.
    var isEmpty: Bool {
        lock.lock(); defer { lock.unlock() }
        return readers.isEmpty
    }

    /// Segments whose partition and time span overlap `range`, oldest data first.
    func overlapping(_ range: TimeRange) -> [SegmentReader] {
        let d = partitionDuration
        lock.lock(); defer { lock.unlock() }
        return readers
            .filter { range.overlaps(minTime: $0.key, maxTime: $0.key &+ (d - 1)) }
            .flatMap { $0.value }
            .filter { range.overlaps(minTime: $0.info.minTime, maxTime: $0.info.maxTime) }
            .sorted { $0.info.seq < $1.info.seq }
    }

    /// Partitions with at least `minSegments` segments, and those holding data of a tombstone
    /// (even when no segment is left: its tombstones settle), ascending.
    func partitions(withAtLeast minSegments: Int) -> [Int64] {
        lock.lock(); defer { lock.unlock() }
        return Set(readers.filter { $0.value.count >= minSegments }.keys).union(tombstonePendingHoldingLock()).sorted()
    }

    /// Partitions with at least `trigger` segments, or two and none added for `quietPeriod`
    /// (monotonic ns, as of `now`), and those holding data of a tombstone, ascending.
    func partitionsDue(trigger: Int, quietPeriod: Int64, now: Int64) -> [Int64] {
        lock.lock(); defer { lock.unlock() }
        return Set(readers.filter { start, list in
            guard list.count >= 2 else { return false }
            if list.count >= trigger { return true }
            return now - (lastSegmentAdded[start] ?? 0) >= quietPeriod
        }.keys).union(tombstonePendingHoldingLock()).sorted()
    }

    /// What a compaction of partition `start` works from, at one instant: its segments, the
    /// tombstones known now, and whether one of them still has data there.
    func compactionInputs(_ start: Int64) -> (inputs: [SegmentReader], tombstones: TombstoneFilter, deleted: Bool) {
        lock.lock(); defer { lock.unlock() }
        return (readers[start] ?? [], tombstoneFilterHoldingLock(), tombstonePendingHoldingLock().contains(start))
    }

    /// The tombstones reads honour now.
    func tombstoneFilter() -> TombstoneFilter {
        lock.lock(); defer { lock.unlock() }
        return tombstoneFilterHoldingLock()
    }

    private func tombstoneFilterHoldingLock() -> TombstoneFilter {
        guard let list = manifest.tombstones, !list.isEmpty else { return .none }
        let seqs = list.map(\.seq)
        if let cached = cachedTombstoneFilter, cached.seqs == seqs { return cached.filter }
        let filter = TombstoneFilter(list)
        cachedTombstoneFilter = (seqs, filter)
        return filter
    }

    /// The tombstones of the manifest (deletes not yet applied everywhere).
    func tombstones() -> [Tombstone] {
        lock.lock(); defer { lock.unlock() }
        return manifest.tombstones ?? []
    }

    /// Partition starts with a segment overlapping `range`.
    func pendingPartitions(_ range: TimeRange) -> [Int64] {
        lock.lock(); defer { lock.unlock() }
        return pendingPartitionsHoldingLock(range)
    }

    private func pendingPartitionsHoldingLock(_ range: TimeRange) -> [Int64] {
        readers.filter { start, list in
            range.overlaps(minTime: start, maxTime: start &+ (partitionDuration - 1))
                && list.contains { range.overlaps(minTime: $0.info.minTime, maxTime: $0.info.maxTime) }
        }.keys.sorted()
    }

    private func tombstonePendingHoldingLock() -> Set<Int64> {
        Set((manifest.tombstones ?? []).flatMap(\.pending))
    }

    /// The next data generation (not taken).
    var nextSeq: UInt64 {
        lock.lock(); defer { lock.unlock() }
        return manifest.nextSeq
    }

    /// WAL segments with id >= this are replayed at open.
    var walReplayFrom: UInt64 {
        lock.lock(); defer { lock.unlock() }
        return manifest.walReplayFrom
    }

    /// What identifies the listed segments and tombstones (for catalog generations): the
    /// segment ids ascending, then the tombstone seqs negated.
    func generation() -> [Int64] {
        lock.lock(); defer { lock.unlock() }
        return manifest.segments.map { Int64(bitPattern: $0.id) }.sorted() + (manifest.tombstones ?? []).map { -Int64(bitPattern: $0.seq) }
    }

    /// Segments listed, their bytes and the sum of their series counts (an upper bound of the
    /// distinct series).
    func totals() -> (segments: Int, bytes: Int, series: Int) {
        lock.lock(); defer { lock.unlock() }
        return (manifest.segments.count, manifest.segments.reduce(0) { $0 + $1.bytes }, manifest.segments.reduce(0) { $0 + $1.series })
    }

    /// Segment files in `quarantine/`.
    var quarantinedCount: Int {
        lock.lock(); defer { lock.unlock() }
        return quarantined
    }

    /// A lower bound of the earliest timestamp the segments hold at or after `t` (by their
    /// time spans), or nil when none holds anything at or after `t`.
    func earliestTime(atOrAfter t: Int64) -> Int64? {
        lock.lock(); defer { lock.unlock() }
        var best: Int64?
        for info in manifest.segments where info.maxTime >= t {
            let x = max(info.minTime, t)
            if best.map({ x < $0 }) ?? true { best = x }
        }
        return best
    }

    /// The earliest timestamp the segments hold, or nil when there is none.
    func earliestTime() -> Int64? {
        lock.lock(); defer { lock.unlock() }
        return manifest.segments.map(\.minTime).min()
    }

    /// The newest timestamp the segments hold, or nil when there is none.
    func newestTime() -> Int64? {
        lock.lock(); defer { lock.unlock() }
        return manifest.segments.map(\.maxTime).max()
    }
}
