public import ChargelineCore
import Foundation
import Logging

/// What `chargeline verify` found in a data directory.
public struct VerifyReport: Codable, Sendable {
    /// The data directory checked.
    public var dataDirectory: String
    /// Database folders checked (a rollup tier as `<db>/rollup_<name>`).
    public var databases: [String]
    /// Files read, and their bytes.
    public var files: Int
    public var bytes: Int
    /// Wall time of the check.
    public var seconds: Double
    /// Every problem found, in database then file order.
    public var problems: [VerifyProblem]
    /// Whether nothing is wrong.
    public var clean: Bool { problems.isEmpty }
}

/// Reads every file of every database in a data directory (raw and rollup tiers) and checks
/// every checksum and structural invariant (docs/format.md, "What verify checks"): the
/// manifest, every listed segment in full (`SegmentVerifier`), files on disk the manifest
/// does not list and listed files that are missing, the rollup state against the rollup data,
/// and the WAL segments' records. Takes no lock and writes nothing, so it runs beside a
/// server; a flush or compaction that swaps the manifest meanwhile is told apart from damage
/// by reading the manifest again before reporting a file as missing or unlisted.
public enum StoreVerifier {
    /// Checks the data directory. Every block's checksum is checked and its timestamps decoded;
    /// `deep` also decodes every value and checks each block's statistics (`SegmentVerifier`).
    /// Throws only when `directory` is not a folder.
    public static func verify(directory: String, deep: Bool = false) throws -> VerifyReport {
        guard FileIO.isDirectory(directory) else {
            throw ChargelineError(.notFound, "data directory \(directory) does not exist; pass the folder `chargeline serve --data` uses")
        }
        let started = FileIO.monotonicNanoseconds()
        var report = VerifyReport(dataDirectory: directory, databases: [], files: 0, bytes: 0, seconds: 0, problems: [])
        for name in FileIO.list(directory).sorted() where FileIO.isDirectory(directory + "/" + name) && !name.hasPrefix(".") {
            verifyDatabase(directory + "/" + name, label: name, rollupBucket: nil, deep: deep, into: &report)
            for child in FileIO.list(directory + "/" + name).sorted() where child.hasPrefix("rollup_") && FileIO.isDirectory(directory + "/" + name + "/" + child) {
                verifyDatabase(directory + "/" + name + "/" + child, label: name + "/" + child,
                               rollupBucket: try? TimeParser.duration(String(child.dropFirst("rollup_".count))), deep: deep,
                               into: &report)
            }
        }
        report.seconds = Double(FileIO.monotonicNanoseconds() - started) / 1e9
        return report
    }

    /// Checks one database folder (raw or rollup tier).
    static func verifyDatabase(_ dir: String, label: String, rollupBucket: Int64?, deep: Bool = false, into report: inout VerifyReport) {
        report.databases.append(label)
        var problems: [VerifyProblem] = []
        let manifestPath = dir + "/" + FileNames.manifest
        var manifest: Manifest?
        if FileIO.fileSize(manifestPath) == nil {
            let hasData = FileIO.list(dir + "/" + FileNames.partitionsDirectory).contains { !FileIO.list(dir + "/" + FileNames.partitionsDirectory + "/" + $0).isEmpty }
            if hasData {
                problems.append(VerifyProblem(file: manifestPath, problem: "missing, but the database holds segment files: none of them is served", action: VerifyAction.manifest))
            }
        } else {
            report.files += 1
            report.bytes += FileIO.fileSize(manifestPath) ?? 0
            switch ChecksummedFileCheck.check(Manifest.self, path: manifestPath, magic: Manifest.magic, version: Manifest.version) {
            case .success(let m):
                manifest = m
                problems += manifestStructure(m, path: manifestPath)
            case .failure(let d):
                problems.append(VerifyProblem(file: manifestPath, offset: d.offset, problem: d.what, action: VerifyAction.manifest))
            }
        }
        if let manifest { problems += segments(of: manifest, in: dir, deep: deep, report: &report) }
        problems += rollupState(in: dir, rollupDirectories: FileIO.list(dir).filter { $0.hasPrefix("rollup_") }, report: &report)
        problems += wal(in: dir, from: manifest?.walReplayFrom ?? 0, report: &report)
        report.problems += problems
    }

    /// Invariants of the manifest's JSON.
    static func manifestStructure(_ m: Manifest, path: String) -> [VerifyProblem] {
        var out: [String] = []
        let d = m.partitionDuration
        if d <= 0 { out.append("partition duration \(d) is not positive") }
        var ids = Set<UInt64>()
        for s in m.segments {
            let name = "segment \(FileNames.segment(s.id))"
            if !ids.insert(s.id).inserted { out.append("\(name) is listed twice") }
            if s.id >= m.nextSegmentID { out.append("\(name) has an id not below nextSegmentID \(m.nextSegmentID): a new segment would overwrite it") }
            if s.seq >= m.nextSeq { out.append("\(name) has seq \(s.seq), not below nextSeq \(m.nextSeq): newer writes would lose to it") }
            if d > 0, s.partitionStart % d != 0 { out.append("\(name) has partition start \(s.partitionStart), not a multiple of the partition duration \(d)") }
            if s.values > 0, d > 0, !(s.minTime <= s.maxTime && s.minTime >= s.partitionStart && s.maxTime &- s.partitionStart < d) {
                out.append("\(name) spans [\(s.minTime), \(s.maxTime)], outside its partition starting at \(s.partitionStart)")
            }
            if s.series < 0 || s.rows < 0 || s.values < 0 || s.bytes < SegmentFormat.headerSize + SegmentFormat.footerSize || s.rows > s.values {
                out.append("\(name) records impossible counts (series \(s.series), rows \(s.rows), values \(s.values), bytes \(s.bytes))")
            }
        }
        if m.walReplayFrom == 0 { out.append("walReplayFrom is 0 (WAL segment ids start at 1)") }
        for (measurement, fields) in m.schema {
            for (field, type) in fields where !FieldType.allCases.contains(where: { $0.description == type }) {
                out.append("schema gives field \(field) of \(measurement) the unknown type \"\(type)\"")
            }
        }
        return out.map { VerifyProblem(file: path, problem: $0, action: VerifyAction.manifest) }
    }

    /// Every listed segment checked in full (in parallel), missing and unlisted files.
    static func segments(of manifest: Manifest, in dir: String, deep: Bool = false, report: inout VerifyReport) -> [VerifyProblem] {
        let root = dir + "/" + FileNames.partitionsDirectory
        @Sendable func path(_ s: SegmentInfo) -> String { root + "/" + FileNames.partition(start: s.partitionStart) + "/" + FileNames.segment(s.id) }
        let listed = manifest.segments
        let duration = manifest.partitionDuration > 0 ? manifest.partitionDuration : nil
        let checks = (try? Parallel.map(listed.count) { i -> SegmentCheck? in
            let p = path(listed[i])
            guard FileIO.fileSize(p) != nil else { return nil }
            return SegmentVerifier.verify(path: p, id: listed[i].id, expected: listed[i], partitionDuration: duration, deep: deep)
        }) ?? []
        var problems: [VerifyProblem] = []
        var missing: [SegmentInfo] = []
        for (i, c) in checks.enumerated() {
            guard let c else { missing.append(listed[i]); continue }
            report.files += 1
            report.bytes += c.bytes
            problems += c.problems
        }
        let listedPaths = Set(listed.map(path))
        var unlisted: [String] = []
        for folder in FileIO.list(root).sorted() {
            for name in FileIO.list(root + "/" + folder).sorted() where !listedPaths.contains(root + "/" + folder + "/" + name) {
                unlisted.append(root + "/" + folder + "/" + name)
            }
        }
        // A flush or compaction may have swapped the manifest while we read: judge missing and
        // unlisted files against the manifest as it is now.
        if !missing.isEmpty || !unlisted.isEmpty, let now = try? Manifest.load(directory: dir), now != manifest {
            let nowPaths = Set(now.segments.map(path))
            missing.removeAll { !nowPaths.contains(path($0)) }
            unlisted.removeAll { nowPaths.contains($0) || FileIO.fileSize($0) == nil }
        }
        for s in missing {
            problems.append(VerifyProblem(file: path(s), problem: "listed in the manifest but missing: \(s.rows) rows, \(s.values) values, \(timeRange(s)) are not served", action: VerifyAction.missing))
        }
        for p in unlisted {
            problems.append(VerifyProblem(file: p, problem: "in the partitions folder but not in the manifest", action: VerifyAction.unlisted))
        }
        return problems
    }

    /// The rollup state file against the rollup tier's data.
    static func rollupState(in dir: String, rollupDirectories: [String], report: inout VerifyReport) -> [VerifyProblem] {
        let path = dir + "/" + RollupState.fileName
        guard let size = FileIO.fileSize(path) else { return [] }
        report.files += 1
        report.bytes += size
        let state: RollupState
        switch ChecksummedFileCheck.check(RollupState.self, path: path, magic: RollupState.magic, version: RollupState.version) {
        case .success(let s): state = s
        case .failure(let d): return [VerifyProblem(file: path, offset: d.offset, problem: d.what, action: VerifyAction.rollupState)]
        }
        var out: [String] = []
        let bucket = rollupDirectories.compactMap { try? TimeParser.duration(String($0.dropFirst("rollup_".count))) }.first
        if let w = state.watermark {
            if let bucket, bucket > 0, w % bucket != 0 { out.append("watermark \(w) is not on a bucket boundary (\(bucket) ns)") }
            if w > FileIO.nowNanoseconds() &+ 86_400_000_000_000 { out.append("watermark \(w) is more than a day in the future: buckets up to then would never be computed") }
            // Rollup rows past the watermark are legitimate (a backfill past `now`, a run
            // interrupted between its rows and its state), so the data is not held against it.
        }
        for (key, starts) in state.stale {
            if SeriesKey.measurement(of: Array(key.utf8)).isEmpty { out.append("stale mark for \"\(key)\", which is not a series key") }
            if let bucket, bucket > 0, let bad = starts.first(where: { $0 % bucket != 0 }) { out.append("stale mark \(bad) of \(key) is not a bucket start") }
        }
        for pair in state.lateBuckets ?? [] {
            if pair.count != 2 { out.append("late-log entry \(pair) is not a [start, sequence] pair"); continue }
            if UInt64(bitPattern: pair[1]) > (state.lateSequence ?? 0) { out.append("late-log entry \(pair) has a sequence above lateSequence \(state.lateSequence ?? 0)") }
        }
        if state.bucketsWritten < 0 || state.bucketsRecomputed < 0 || state.droppedRows < 0 || state.droppedBytes < 0 || state.droppedPartitions < 0 {
            out.append("negative totals")
        }
        return out.map { VerifyProblem(file: path, problem: $0, action: VerifyAction.rollupState) }
    }

    /// WAL segments from `from` on, read with the replayer (nothing applied, nothing repaired).
    static func wal(in dir: String, from: UInt64, report: inout VerifyReport) -> [VerifyProblem] {
        let walDir = dir + "/" + FileNames.walDirectory
        let names = FileIO.list(walDir).filter { (FileNames.id(of: $0, suffix: FileNames.walSuffix) ?? 0) >= from }
        guard !names.isEmpty else { return [] }
        var quiet = Logger(label: "chargeline.verify")
        quiet.logLevel = .critical
        let replay: WALReplayReport
        do {
            replay = try WALReplayer.replay(directory: walDir, fromID: from, repair: false, logger: quiet) { _ in }
        } catch {
            return [VerifyProblem(file: walDir, problem: "\(error)", action: VerifyAction.wal)]
        }
        report.files += replay.segments
        report.bytes += replay.bytes
        return replay.problems.map { text in
            var file = walDir, rest = text
            if let r = text.range(of: FileNames.walSuffix + ": ") {
                file = String(text[..<r.lowerBound]) + FileNames.walSuffix
                rest = String(text[r.upperBound...])
            }
            var offset: Int?
            if let r = rest.range(of: " at byte ") { offset = Int(rest[r.upperBound...].prefix { $0.isNumber }) }
            return VerifyProblem(file: file, offset: offset, problem: rest, action: VerifyAction.wal)
        }
    }

    static func timeRange(_ s: SegmentInfo) -> String {
        s.values == 0 ? "no time range" : "times \(s.minTime)...\(s.maxTime) ns"
    }
}
