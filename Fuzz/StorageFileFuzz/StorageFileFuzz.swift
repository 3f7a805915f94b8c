import ChargelineCore
import ChargelineIngest
import ChargelineStorage
import Foundation
import Logging

/// What one input is, by its first byte (mod 5); the rest is the file's bytes.
private enum Kind: UInt8, CaseIterable {
    /// A WAL segment file, replayed (with repair) into a head as a start-up replays it.
    case walSegment = 0
    /// WAL record payloads (`u16` little-endian length, then the bytes, repeated), written as a
    /// segment with good checksums and replayed: reaches the batch decoding that checksums
    /// keep mutated segment files away from.
    case walPayloads = 1
    /// A segment file, checked by `SegmentVerifier` (every byte, as `chargeline verify` reads
    /// it) and by the open-time check, as a query's reader would find it.
    case segment = 2
    /// A `MANIFEST` file, loaded and a read-only database opened on it.
    case manifest = 3
    /// A manifest's JSON, written as a `MANIFEST` with a good checksum and opened as above:
    /// reaches what the JSON says (partition duration, segment list, schema, replay id).
    case manifestJSON = 4
}

private let logger: Logger = {
    var l = Logger(label: "fuzz")
    l.logLevel = .critical
    return l
}()

/// A folder per fuzzing process; each input's files are written into it afresh.
private let root = NSTemporaryDirectory() + "chargeline-fuzz-storage-\(getpid())"

private func reset(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
}

private func write(_ bytes: UnsafeRawBufferPointer, to path: String) {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        fatalError("fuzz: cannot write \(path)")
    }
}

/// libFuzzer entry point: see `Kind`. Any trap is a finding; errors (a located corruption
/// error, a refused file) are answers.
@_cdecl("LLVMFuzzerTestOneInput")
public func storageFileFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0, let kind = Kind(rawValue: data[0] % UInt8(Kind.allCases.count)) else { return 0 }
    let body = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    reset(root)
    switch kind {
    case .walSegment:
        replay(body)
    case .walPayloads:
        var file = WALRecord.segmentHeader(id: 1)
        var at = 0
        while at + 2 <= body.count {
            let n = min(Int(body[at]) | Int(body[at + 1]) << 8, body.count - at - 2)
            WALRecord.append(kind: .writeBatch, payload: UnsafeRawBufferPointer(rebasing: body[(at + 2)..<(at + 2 + n)]), to: &file)
            at += 2 + n
        }
        file.withUnsafeBytes { replay($0) }
    case .segment:
        let path = root + "/" + FileNames.segment(1)
        write(body, to: path)
        let check = SegmentVerifier.verify(path: path, id: 1, expected: nil, partitionDuration: nil)
        for p in check.problems { _ = p.problem }
        if let info = check.info, let end = check.partitionEnd {
            let reader = SegmentReader(info: info, path: path)
            try? reader.checkAtOpen(partitionDuration: end &- info.partitionStart)
            if let flat = try? reader.loadFlatIndex() { _ = flat }
        }
    case .manifest:
        write(body, to: root + "/" + FileNames.manifest)
        open()
    case .manifestJSON:
        var file = Array("CLMF".utf8)
        withUnsafeBytes(of: UInt16(1).littleEndian) { file.append(contentsOf: $0) }
        file += [0, 0]
        withUnsafeBytes(of: UInt32(body.count).littleEndian) { file.append(contentsOf: $0) }
        withUnsafeBytes(of: CRC32C.checksum(body).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: body)
        file.withUnsafeBytes { write($0, to: root + "/" + FileNames.manifest) }
        open()
    }
    return 0
}

/// Replays `file` as the only WAL segment into a head, with repair (truncation, quarantine).
private func replay(_ file: UnsafeRawBufferPointer) {
    let wal = root + "/" + FileNames.walDirectory
    reset(wal)
    write(file, to: wal + "/" + FileNames.walSegment(1))
    let head = Head()
    var schema = Schema()
    let report = try? WALReplayer.replay(directory: wal, fromID: 1, repair: true, quarantine: root + "/quarantine", logger: logger) { batch in
        _ = head.apply(batch, schema: &schema, maxFieldsPerMeasurement: Int(UInt16.max))
    }
    if let report { _ = report.problems }
}

/// Opens a read-only database on `root` (its manifest as written) and asks what it holds.
private func open() {
    _ = try? Manifest.load(directory: root)
    var options = StorageOptions()
    options.backgroundMaintenance = false
    guard let db = try? Database(name: "fuzz", directory: root, options: options, readOnly: true, logger: logger) else { return }
    _ = db.statistics()
    _ = db.measurements()
}

// MARK: - Seeds

/// Writes the seed corpus into `folder`: a WAL segment, its record payloads, a segment file
/// and a manifest (as file and as JSON) from a small store, and the WAL damage (a
/// flipped byte in the segment header, one in the last record).
private func writeSeeds(_ folder: String) throws {
    let path = NSTemporaryDirectory() + "chargeline-fuzz-seeds-\(getpid())"
    try? FileManager.default.removeItem(atPath: path)
    defer { try? FileManager.default.removeItem(atPath: path) }
    var options = StorageOptions()
    options.backgroundMaintenance = false
    options.rollup.enabled = false
    let store = try Store(directory: path, options: options, logger: logger)
    var payloads: [UInt8] = []
    for k in 0..<3 {
        var text = ""
        for i in 0..<20 {
            text += "telemetry,station=S\(k),gun=\(i % 2) kw=\(Double(i) / 3),amps=\(i * 7 - 50)i,on=\(i % 3 == 0),note=\"n\(i % 5)\",count=\(i)u "
            text += "\(1_700_000_000_000_000_000 + Int64(k * 20 + i) * 60_000_000_000)\n"
        }
        var parser = LineProtocolParser(defaultTimestamp: 0)
        var builder = WriteBatchBuilder()
        var lines: [Int32] = []
        var errors: [LineProtocolError] = []
        Array(text.utf8).withUnsafeBytes { parser.parse($0, into: &builder, pointLines: &lines, errors: &errors) }
        let batch = builder.finish()
        withUnsafeBytes(of: UInt16(batch.bytes.count).littleEndian) { payloads.append(contentsOf: $0) }
        payloads += batch.bytes
        if let failure = store.writeAndWait(database: "fleet", batch: batch).failure { throw failure }
    }
    let db = path + "/fleet"
    let walName = try FileManager.default.contentsOfDirectory(atPath: db + "/" + FileNames.walDirectory)
        .filter { $0.hasSuffix(FileNames.walSuffix) }.sorted().last!
    let wal = [UInt8](try Data(contentsOf: URL(fileURLWithPath: db + "/" + FileNames.walDirectory + "/" + walName)))
    try store.flush()
    let partitions = db + "/" + FileNames.partitionsDirectory
    let partition = try FileManager.default.contentsOfDirectory(atPath: partitions).sorted().first!
    let segmentName = try FileManager.default.contentsOfDirectory(atPath: partitions + "/" + partition).sorted().first!
    let segment = [UInt8](try Data(contentsOf: URL(fileURLWithPath: partitions + "/" + partition + "/" + segmentName)))
    let manifest = [UInt8](try Data(contentsOf: URL(fileURLWithPath: db + "/" + FileNames.manifest)))
    try store.close()
    var headerFlipped = wal
    headerFlipped[5] ^= 0x40
    var lastRecordFlipped = wal
    lastRecordFlipped[lastRecordFlipped.count - 3] ^= 0x01
    let seeds: [String: (Kind, [UInt8])] = [
        "wal-segment": (.walSegment, wal),
        "wal-header-byte-flipped": (.walSegment, headerFlipped),
        "wal-last-record-byte-flipped": (.walSegment, lastRecordFlipped),
        "wal-cut-mid-record": (.walSegment, Array(wal.prefix(wal.count - 40))),
        "wal-payloads": (.walPayloads, payloads),
        "segment": (.segment, segment),
        "manifest": (.manifest, manifest),
        "manifest-json": (.manifestJSON, Array(manifest[16...])),
    ]
    for (name, (kind, bytes)) in seeds {
        try Data([kind.rawValue] + bytes).write(to: URL(fileURLWithPath: folder + "/" + name))
    }
}

// MARK: - Entry point

/// libFuzzer's driver: parses the libFuzzer flags in `argv` and runs `callback` over inputs.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable target's `main` to `<Target>_main`; this one hands over to
/// libFuzzer's driver (libFuzzer's own `main` is then not linked). `--write-seeds DIR` writes
/// the seed corpus instead.
@_cdecl("StorageFileFuzz_main")
public func storageFileFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let arguments = CommandLine.arguments
    if arguments.count == 3 && arguments[1] == "--write-seeds" {
        do { try writeSeeds(arguments[2]) } catch { fatalError("cannot write seeds into \(arguments[2]): \(error)") }
        return 0
    }
    // libFuzzer ends with exit(): the folder goes then (a crash leaves it for inspection).
    atexit { try? FileManager.default.removeItem(atPath: root) }
    var count = argc
    var args = argv
    return runDriver(&count, &args) { data, size in
        storageFileFuzz(data ?? UnsafePointer(bitPattern: 1)!, size)
    }
}
