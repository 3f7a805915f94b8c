import ChargelineCodec
import ChargelineCore

/// Where the bytes of one store folder (a database, or its rollup tier) go, split as
/// `docs/format/segment.md` lays segments out: headers and footers, indexes, timestamp blocks, value
/// blocks per field and per encoding, block checksums, and every other file (manifest, WAL,
/// rollup state). What `chargeline inspect --blocks` prints, and what the benchmarks' byte
/// tables are taken from, so no tool parses segments a second way.
public struct ByteBreakdown: Codable, Sendable {
    /// Bytes and how many values (rows, for timestamp blocks) they hold.
    public struct Share: Codable, Sendable {
        public var bytes = 0
        public var values = 0
        public var blocks = 0
    }

    /// The folder, relative to the data directory (`<db>`, `<db>/rollup_1h`).
    public var store: String
    public var segments = 0
    /// Every byte of the folder: segments and other files.
    public var totalBytes = 0
    public var segmentBytes = 0
    /// Field values in segments (the block metas' counts) and rows (the timestamp blocks').
    public var values = 0
    public var rows = 0
    public var headersAndFooters = 0
    /// The stored index sections (compressed or not).
    public var indexes = 0
    /// Timestamp blocks without their checksums.
    public var timestamps = Share()
    /// Value blocks without their checksums, per field name.
    public var fields: [String: Share] = [:]
    /// Every block without its checksum, per first-stage encoding and second stage
    /// (`float-decimal`, `ts-residual + zstd`).
    public var encodings: [String: Share] = [:]
    /// 4 bytes per block.
    public var checksums = 0
    /// Files other than segments, by path relative to the folder (`MANIFEST`, `wal/…`).
    public var otherFiles: [String: Int] = [:]

    public var valueBlockBytes: Int { fields.values.reduce(0) { $0 + $1.bytes } }

    init(store: String) { self.store = store }

    /// Adds the blocks of one segment: every block's first two bytes (its encoding and second
    /// stage) are read; no value is decoded.
    mutating func add(segment reader: SegmentReader) throws {
        let index = try reader.loadFlatIndex()
        let summary = try reader.footerSummary()
        segments += 1
        segmentBytes += reader.info.bytes
        headersAndFooters += SegmentFormat.headerSize + SegmentFormat.footerSize
        indexes += summary.indexLength
        let fd = try reader.descriptor()
        try FileIO.withMappedBytes(fd, offset: 0, count: reader.info.bytes, path: reader.path) { file in
            func encoding(at offset: UInt64, length: UInt32) -> String {
                let start = Int(clamping: offset), end = start + Int(length) - 4
                guard start >= 0, end <= file.count, end > start else { return "(outside the file)" }
                let block = UnsafeRawBufferPointer(rebasing: file[start..<end])
                let name = BlockDescription.encoding(of: block)?.name ?? "tag 0x" + String(block[0], radix: 16)
                if let stage = BlockDescription.secondStage(of: block), stage != .none { return "\(name) + \(stage)" }
                return name
            }
            var seenTimestampBlocks = Set<UInt64>(), seenValueBlocks = Set<UInt64>()
            for s in 0..<index.seriesCount {
                for e in index.entries(of: s) {
                    let name = index.names[index.nameID(ofEntry: e)]
                    for b in 0..<index.blockCount(ofEntry: e) {
                        let m = index.block(b, ofEntry: e)
                        values += Int(m.count)
                        // A value block several metas name (identical bytes written once) counts once.
                        if seenValueBlocks.insert(m.offset).inserted {
                            let payload = Int(m.length) - 4
                            checksums += 4
                            fields[name, default: Share()].add(bytes: payload, values: Int(m.count))
                            encodings[encoding(at: m.offset, length: m.length), default: Share()].add(bytes: payload, values: Int(m.count))
                        } else {
                            fields[name, default: Share()].add(bytes: 0, values: Int(m.count))
                        }
                        guard m.timestampLength != 0, seenTimestampBlocks.insert(m.timestampOffset).inserted else { continue }
                        let ts = Int(m.timestampLength) - 4
                        rows += Int(m.count)
                        checksums += 4
                        timestamps.add(bytes: ts, values: Int(m.count))
                        encodings[encoding(at: m.timestampOffset, length: m.timestampLength), default: Share()].add(bytes: ts, values: Int(m.count))
                    }
                }
            }
        }
    }
}

extension ByteBreakdown.Share {
    mutating func add(bytes b: Int, values v: Int) {
        bytes += b
        values += v
        blocks += 1
    }
}
