public import ChargelineCore
import Foundation

/// What `chargeline repair` did and what is lost.
public struct RepairReport: Codable, Sendable {
    /// Data that can no longer be served: a quarantined or missing segment, with what the
    /// manifest (or the readable part of the file) says it held.
    public struct Loss: Codable, Sendable, Equatable {
        public var file: String
        public var reason: String
        public var rows: Int?
        public var values: Int?
        /// Time range (ns) of the lost rows, when known.
        public var minTime: Int64?
        public var maxTime: Int64?
    }
    public var dataDirectory: String
    /// Every change made, one sentence each.
    public var actions: [String] = []
    public var lost: [Loss] = []
    /// Problems repair leaves alone (WAL damage, which the next start skips).
    public var remaining: [VerifyProblem] = []
}

/// Rebuilds what can be rebuilt in a data directory whose server is stopped (it takes the
/// store lock): a damaged or missing manifest from the segment files on disk, manifest
/// entries that disagree with an intact file; quarantines (`<db>/quarantine/`) segments that
/// fail `SegmentVerifier` and a damaged rollup state (the next rollup run recomputes every
/// bucket), drops them and missing files from the manifest, and reports what was lost.
/// Every manifest change is one atomic replace; a file is moved before the manifest stops
/// listing it, so a crash in between leaves a listed-but-missing file, which the next open
/// drops.
public enum StoreRepairer {
    /// Repairs every database of `directory`. `partitionDuration` is used for a rebuilt
    /// manifest only when no readable segment says otherwise.
    /// - Throws: when a server holds the directory, or a file cannot be moved or written.
    public static func repair(directory: String, partitionDuration: Int64 = StorageOptions().partitionDuration) throws -> RepairReport {
        guard FileIO.isDirectory(directory) else {
            throw ChargelineError(.notFound, "data directory \(directory) does not exist; pass the folder `chargeline serve --data` uses")
        }
        let lockFD: Int32
        do {
            lockFD = try Store.acquireLock(directory)
        } catch let e as ChargelineError where e.code == .closed {
            throw ChargelineError(.closed, "data directory \(directory) is locked by a running chargeline process: stop `chargeline serve` (or the import) before `chargeline repair`; `chargeline verify` runs beside it")
        }
        defer { FileIO.close(lockFD) }
        var report = RepairReport(dataDirectory: directory)
        for name in FileIO.list(directory).sorted() where FileIO.isDirectory(directory + "/" + name) && !name.hasPrefix(".") {
            let dir = directory + "/" + name
            try repairDatabase(dir, partitionDuration: partitionDuration, into: &report)
            for child in FileIO.list(dir).sorted() where child.hasPrefix("rollup_") && FileIO.isDirectory(dir + "/" + child) {
                try repairDatabase(dir + "/" + child, partitionDuration: partitionDuration, into: &report)
            }
            try repairRollupState(dir, into: &report)
            var verified = VerifyReport(dataDirectory: directory, databases: [], files: 0, bytes: 0, seconds: 0, problems: [])
            report.remaining += StoreVerifier.wal(in: dir, from: (try? Manifest.load(directory: dir))?.walReplayFrom ?? 0, report: &verified)
        }
        return report
    }

    static func repairDatabase(_ dir: String, partitionDuration: Int64, into report: inout RepairReport) throws {
        let quarantine = dir + "/" + FileNames.quarantineDirectory
        let manifestPath = dir + "/" + FileNames.manifest
        let root = dir + "/" + FileNames.partitionsDirectory
        let onDisk = FileIO.list(root).sorted().flatMap { folder in
            FileIO.list(root + "/" + folder).sorted().filter { $0.hasSuffix(FileNames.segmentSuffix) }.map { root + "/" + folder + "/" + $0 }
        }
        var manifest: Manifest
        if FileIO.fileSize(manifestPath) == nil {
            guard !onDisk.isEmpty else { return }
            manifest = try rebuild(dir, files: onDisk, partitionDuration: partitionDuration, why: "missing", into: &report)
        } else {
            switch ChecksummedFileCheck.check(Manifest.self, path: manifestPath, magic: Manifest.magic, version: Manifest.version) {
            case .success(let m) where m.partitionDuration > 0:
                manifest = m
            case .success(let m):
                let moved = try Database.quarantine(manifestPath, into: quarantine)
                report.actions.append("\(manifestPath): partition duration \(m.partitionDuration) is not positive; moved to \(moved)")
                manifest = try rebuild(dir, files: onDisk, partitionDuration: partitionDuration, why: "damaged", into: &report)
            case .failure(let d):
                let moved = try Database.quarantine(manifestPath, into: quarantine)
                report.actions.append("\(manifestPath)" + (d.offset.map { " at byte \($0)" } ?? "") + ": \(d.what); moved to \(moved)")
                manifest = try rebuild(dir, files: onDisk, partitionDuration: partitionDuration, why: "damaged", into: &report)
            }
        }
        let original = manifest
        func path(_ s: SegmentInfo) -> String { root + "/" + FileNames.partition(start: s.partitionStart) + "/" + FileNames.segment(s.id) }
        var kept: [SegmentInfo] = []
        var seen = Set<UInt64>()
        for s in manifest.segments {
            let p = path(s)
            guard seen.insert(s.id).inserted else {
                report.actions.append("\(manifestPath): dropped the second entry of \(FileNames.segment(s.id))")
                continue
            }
            guard FileIO.fileSize(p) != nil else {
                report.lost.append(.init(file: p, reason: "listed in the manifest but missing; dropped from the manifest", rows: s.rows, values: s.values,
                                         minTime: s.values > 0 ? s.minTime : nil, maxTime: s.values > 0 ? s.maxTime : nil))
                continue
            }
            let check = SegmentVerifier.verify(path: p, id: s.id, expected: s, partitionDuration: manifest.partitionDuration, deep: true)
            let damage = check.problems.filter { $0.action != VerifyAction.manifestEntry }
            if let first = damage.first {
                let moved = try Database.quarantine(p, into: quarantine)
                report.lost.append(.init(file: p, reason: (first.offset.map { "at byte \($0): " } ?? "") + first.problem
                                         + (damage.count > 1 ? " (and \(damage.count - 1) more problems)" : "") + "; moved to \(moved)",
                                         rows: s.rows, values: s.values, minTime: s.values > 0 ? s.minTime : nil, maxTime: s.values > 0 ? s.maxTime : nil))
                continue
            }
            var fixed = s
            if let info = check.info, check.problems.contains(where: { $0.action == VerifyAction.manifestEntry }) {
                fixed = info
                fixed.level = s.level
                report.actions.append("\(manifestPath): entry of \(FileNames.segment(s.id)) rewritten from the file (\(check.problems.map(\.problem).joined(separator: "; ")))")
            }
            kept.append(fixed)
        }
        manifest.segments = kept
        if let id = kept.map(\.id).max(), id >= manifest.nextSegmentID {
            manifest.nextSegmentID = id + 1
            report.actions.append("\(manifestPath): nextSegmentID raised to \(id + 1)")
        }
        if let seq = kept.map(\.seq).max(), seq >= manifest.nextSeq {
            manifest.nextSeq = seq + 1
            report.actions.append("\(manifestPath): nextSeq raised to \(seq + 1)")
        }
        if manifest.walReplayFrom == 0 { manifest.walReplayFrom = 1 }
        if manifest != original || FileIO.fileSize(manifestPath) == nil {
            try manifest.store(directory: dir)
            report.actions.append("\(manifestPath): written (\(manifest.segments.count) segments)")
        }
    }

    /// A manifest from the segment files on disk: each verified in full; the intact ones are
    /// listed with what they hold, the others quarantined. WAL replay starts at the oldest WAL
    /// segment left (replaying writes a segment already holds stores the same values again).
    static func rebuild(_ dir: String, files: [String], partitionDuration: Int64, why: String, into report: inout RepairReport) throws -> Manifest {
        let quarantine = dir + "/" + FileNames.quarantineDirectory
        var good: [(SegmentInfo, Int64)] = []
        var schema = Schema()
        var highestID: UInt64 = 0
        for p in files {
            let name = String(p.split(separator: "/").last!)
            guard let id = FileNames.id(of: name, suffix: FileNames.segmentSuffix) else { continue }
            highestID = max(highestID, id)
            let check = SegmentVerifier.verify(path: p, id: id, expected: nil, partitionDuration: nil, deep: true)
            if let info = check.info, let end = check.partitionEnd, check.problems.isEmpty,
               p.hasSuffix("/" + FileNames.partition(start: info.partitionStart) + "/" + name) {
                good.append((info, end &- info.partitionStart))
                for (m, fields) in check.schema.measurements { for (f, t) in fields { schema.record(f, t, in: m) } }
            } else {
                let moved = try Database.quarantine(p, into: quarantine)
                let first = check.problems.first.map { ($0.offset.map { "at byte \($0): " } ?? "") + $0.problem } ?? "its header names another partition folder"
                report.lost.append(.init(file: p, reason: "\(first); moved to \(moved)", rows: check.info?.rows, values: check.info?.values,
                                         minTime: check.info?.minTime, maxTime: check.info?.maxTime))
            }
        }
        // The duration most segments were written with (all of them, unless damaged).
        var counts: [Int64: Int] = [:]
        for (_, d) in good { counts[d, default: 0] += 1 }
        let duration = counts.max { $0.value < $1.value }?.key ?? partitionDuration
        var manifest = Manifest(partitionDuration: duration)
        for (info, d) in good where d != duration {
            let p = dir + "/" + FileNames.partitionsDirectory + "/" + FileNames.partition(start: info.partitionStart) + "/" + FileNames.segment(info.id)
            let moved = try Database.quarantine(p, into: quarantine)
            report.lost.append(.init(file: p, reason: "written for \(d) ns partitions, the others for \(duration); moved to \(moved)",
                                     rows: info.rows, values: info.values, minTime: info.minTime, maxTime: info.maxTime))
        }
        manifest.segments = good.filter { $0.1 == duration }.map(\.0).sorted { ($0.partitionStart, $0.seq) < ($1.partitionStart, $1.seq) }
        manifest.nextSegmentID = highestID + 1
        manifest.nextSeq = (manifest.segments.map(\.seq).max() ?? 0) + 1
        let walIDs = FileIO.list(dir + "/" + FileNames.walDirectory).compactMap { FileNames.id(of: $0, suffix: FileNames.walSuffix) }
        manifest.walReplayFrom = walIDs.min() ?? 1
        manifest.setSchema(schema)
        report.actions.append("\(dir)/\(FileNames.manifest) (\(why)): rebuilt from \(manifest.segments.count) intact segment files; WAL replay from segment \(manifest.walReplayFrom)")
        return manifest
    }

    /// A damaged rollup state is quarantined: the next rollup run starts again from the
    /// oldest raw data and writes every bucket anew (the totals shown by `inspect` restart).
    static func repairRollupState(_ dir: String, into report: inout RepairReport) throws {
        let path = dir + "/" + RollupState.fileName
        guard FileIO.fileSize(path) != nil else { return }
        if case .failure(let d) = ChecksummedFileCheck.check(RollupState.self, path: path, magic: RollupState.magic, version: RollupState.version) {
            let moved = try Database.quarantine(path, into: dir + "/" + FileNames.quarantineDirectory)
            report.actions.append("\(path)" + (d.offset.map { " at byte \($0)" } ?? "") + ": \(d.what); moved to \(moved): the next rollup run recomputes every bucket from the raw data kept")
        }
    }
}
