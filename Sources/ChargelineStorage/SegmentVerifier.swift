import ChargelineCodec
package import ChargelineCore
import Foundation

/// What `SegmentVerifier` found in one segment file.
package struct SegmentCheck: Sendable {
    /// Damage found, each with the byte offset where it lies when one applies.
    package var problems: [VerifyProblem] = []
    /// What the file holds as a manifest records it (id from the file name, seq and partition
    /// from the header, counts from the index and blocks; level 0), or nil when the header,
    /// footer or index cannot be read. Its `rows` is exact with `deep` (what repair uses) or
    /// when every series' fields share timestamp blocks.
    package var info: SegmentInfo?
    /// The partition end its header records.
    package var partitionEnd: Int64?
    /// Field types per measurement the index holds (a rebuilt manifest's schema).
    package var schema = Schema()
    /// Bytes of the file.
    package var bytes = 0
}

/// Reads every byte of one segment file and checks every checksum and structural invariant
/// (docs/format.md, "What verify checks"): header and footer, the index (checksums, series
/// order, counts against the footer), each block's checksum, block time ranges against the
/// partition and each other, (with `deep`) each block decoded against its meta's count, time
/// range and statistics, that the blocks tile the bytes between header and index (no byte outside a
/// checksum), and with `expected` the manifest's `SegmentInfo`. Reads through
/// `SegmentReader`, so it finds what a query would, with the same messages. Never traps on
/// damaged bytes.
package enum SegmentVerifier {
    /// Checks the segment at `path`. Every block's checksum is checked; a block whose
    /// checksum matches holds the bytes its writer wrote. `deep` also decodes every block and
    /// checks its timestamps (count, order, first/last) and the statistics against its meta:
    /// what a checksum cannot show, a writer that wrote wrong bytes and checksummed them.
    package static func verify(path: String, id: UInt64, expected: SegmentInfo?, partitionDuration: Int64?,
                               deep: Bool = false) -> SegmentCheck {
        var check = SegmentCheck()
        func problem(_ offset: Int?, _ what: String, action: String = VerifyAction.segment) {
            check.problems.append(VerifyProblem(file: path, offset: offset, problem: what, action: action))
        }
        guard let size = FileIO.fileSize(path) else {
            problem(nil, "the file cannot be read")
            return check
        }
        check.bytes = size
        var info = SegmentInfo(id: id, seq: 0, level: expected?.level ?? 0, partitionStart: 0, minTime: .max, maxTime: .min,
                               series: 0, rows: 0, values: 0, bytes: size)
        let reader = SegmentReader(info: info, path: path)
        let footer: (indexOffset: Int, indexLength: Int, series: Int, blocks: Int, version: UInt16)
        let header: [UInt8]
        do {
            footer = try reader.footerSummary()
            header = try FileIO.pread(try reader.descriptor(), offset: 0, count: SegmentFormat.headerSize, path: path)
        } catch {
            let (offset, what) = describe(error, path: path)
            problem(offset, what)
            return check
        }
        let (flags, start, end, seq) = header.withUnsafeBytes {
            ($0.loadLE(UInt16.self, at: 6), Int64(bitPattern: $0.loadLE(UInt64.self, at: 8)),
             Int64(bitPattern: $0.loadLE(UInt64.self, at: 16)), $0.loadLE(UInt64.self, at: 24))
        }
        if flags != 0 { problem(6, "header flags 0x\(String(flags, radix: 16)) are not 0 (no flag is defined)") }
        let partition = TimeRange(start: start, end: end)
        if end <= start {
            problem(8, "header partition [\(start), \(end)) is empty")
        } else if let d = partitionDuration, end &- start != d || start % d != 0 {
            problem(8, "header partition [\(start), \(end)) is not a partition of the database's \(d) ns")
        }
        if let expected {
            if start != expected.partitionStart { problem(8, "header partition start \(start) is not the manifest's \(expected.partitionStart)") }
            if seq != expected.seq { problem(24, "header generation \(seq) is not the manifest's seq \(expected.seq)") }
        }
        info.seq = seq
        info.partitionStart = start
        check.partitionEnd = end
        let flat: FlatSegmentIndex
        do {
            flat = try reader.loadFlatIndex()
        } catch {
            let (offset, what) = describe(error, path: path)
            problem(offset, what)
            return check
        }
        defer { reader.dropCachedIndexes() }
        let footerAt = size - SegmentFormat.footerSize
        if flat.seriesCount != footer.series { problem(footerAt + 16, "footer counts \(footer.series) series, the index holds \(flat.seriesCount)") }
        var ranges: [BlockChecksumScan.Block] = []
        var seenTimestampBlocks = Set<UInt64>()
        // Pass 1, over the index alone (no block is read): key order, fields, block metas
        // against each other and the partition. What it finds is kept per series, so the
        // report lists each series' problems together, in series order, as before. Nothing is
        // allocated per series or block but the block's byte ranges: the metas are read again
        // from the flat index for the series pass 2 decodes.
        var seriesProblems = [[VerifyProblem]](repeating: [], count: flat.seriesCount)
        var metadataRows = [Int?](repeating: nil, count: flat.seriesCount)
        var measurement = "", measurementPrefix: ArraySlice<UInt8> = []
        // The type last recorded in the schema per field name for `measurement`.
        var recorded = [FieldType?](repeating: nil, count: flat.names.count)
        var firstTimestamps: [UInt64] = []  // the first field's timestamp block offsets
        for s in 0..<flat.seriesCount {
            let key = flat.key(s)
            func name() -> String { String(decoding: key, as: UTF8.self) }
            func problem(_ offset: Int?, _ what: String) {
                seriesProblems[s].append(VerifyProblem(file: path, offset: offset, problem: what, action: VerifyAction.segment))
            }
            if s > 0, !flat.key(s - 1).lexicographicallyPrecedes(key) {
                problem(footer.indexOffset, "index series \(s) (\(name())) is not after the series before it: lookups by key would miss series")
            }
            let prefix = key.prefix(key.withUnsafeBytes { SeriesKey.measurementPrefixLength($0) })
            if s == 0 || prefix != measurementPrefix {
                measurementPrefix = prefix
                measurement = SeriesKey.measurement(of: key)
                for i in recorded.indices { recorded[i] = nil }
            }
            if measurement.isEmpty { problem(footer.indexOffset, "index series \(s) has no measurement in its key \"\(name())\"") }
            var previousNameID = -1
            var shared = true, firstRows = 0, firstInSet = false
            firstTimestamps.removeAll(keepingCapacity: true)
            for (k, e) in flat.entries(of: s).enumerated() {
                let nameID = flat.nameID(ofEntry: e), type = flat.type(ofEntry: e)
                let field = flat.names[nameID]
                if previousNameID == nameID {
                    problem(footer.indexOffset, "series \(name()) lists field \(field) twice")
                }
                previousNameID = nameID
                if recorded[nameID] != type {
                    check.schema.record(field, type, in: measurement)
                    recorded[nameID] = type
                }
                let n = flat.blockCount(ofEntry: e)
                if n == 0 { problem(footer.indexOffset, "series \(name()) field \(field) has no blocks") }
                if k > 0, n != firstTimestamps.count { shared = false }
                var previousMax: Int64?
                for b in 0..<n {
                    let m = flat.block(b, ofEntry: e)
                    let at = Int(clamping: m.offset)
                    if m.count == 0 || m.minTime > m.maxTime {
                        problem(at, "block meta of series \(name()) field \(field) holds \(m.count) values over [\(m.minTime), \(m.maxTime)]")
                    }
                    if let previousMax, m.minTime <= previousMax {
                        problem(at, "blocks of series \(name()) field \(field) overlap or are out of time order")
                    }
                    if end > start, !(partition.contains(m.minTime) && partition.contains(m.maxTime)) {
                        problem(at, "block of series \(name()) field \(field) spans [\(m.minTime), \(m.maxTime)], outside the partition [\(start), \(end))")
                    }
                    previousMax = m.maxTime
                    info.minTime = min(info.minTime, m.minTime)
                    info.maxTime = max(info.maxTime, m.maxTime)
                    info.values += Int(m.count)
                    ranges.append(BlockChecksumScan.Block(start: at, end: at &+ Int(m.length), series: s))
                    // A timestamp block is checked once however many fields read it: the first
                    // field's are listed; a later field's that is the first field's at the
                    // same place (what the raw writer writes) is skipped without hashing.
                    if m.timestampLength == 0 {
                        shared = false
                        if k == 0 { firstTimestamps.append(.max) }
                        continue
                    }
                    if k == 0 {
                        firstTimestamps.append(m.timestampOffset)
                        firstRows += Int(m.count)
                    } else if b < firstTimestamps.count, firstTimestamps[b] == m.timestampOffset {
                        continue
                    } else {
                        shared = false
                        if !firstInSet { seenTimestampBlocks.formUnion(firstTimestamps); firstInSet = true }
                    }
                    if k == 0 || seenTimestampBlocks.insert(m.timestampOffset).inserted {
                        let t = Int(clamping: m.timestampOffset)
                        ranges.append(BlockChecksumScan.Block(start: t, end: t &+ Int(m.timestampLength), series: s))
                    }
                }
            }
            metadataRows[s] = shared ? firstRows : nil
        }
        // Series are written in index order, so the ranges come mostly sorted: a pass to see
        // whether they already are is cheaper than sorting sorted input.
        if !zip(ranges, ranges.dropFirst()).allSatisfy({ $0.start <= $1.start }) { ranges.sort { $0.start < $1.start } }
        // Value blocks named by several metas of one chunk (identical bytes written once) are
        // checked once.
        var distinct = 0
        for r in ranges where distinct == 0 || r.start != ranges[distinct - 1].start || r.end != ranges[distinct - 1].end || r.series != ranges[distinct - 1].series {
            ranges[distinct] = r
            distinct += 1
        }
        ranges.removeLast(ranges.count - distinct)
        // Pass 2, the blocks. Without `deep`: every checksum, in a few large reads over all
        // cores (`BlockChecksumScan`); a series is read block by block only when one of its
        // blocks fails (for the messages). The rows of a series whose fields share timestamp
        // blocks come from the metas; other series' rows (the rollup tier's) need their
        // timestamps merged, so the manifest's row count is compared only with `deep`. With
        // `deep`: every series decoded, timestamps and values, over ranges of series on all
        // cores (one segment alone still uses every core).
        var rowsKnown = true
        var decode: [Int] = []
        if deep {
            decode = Array(0..<flat.seriesCount)
            metadataRows = metadataRows.map { _ in nil }
        } else {
            let damaged: Set<Int>
            if let fd = try? reader.descriptor() {
                damaged = BlockChecksumScan.damagedSeries(ranges, fd: fd, path: path,
                                                          bounds: SegmentFormat.headerSize..<max(SegmentFormat.headerSize, footer.indexOffset))
            } else {
                damaged = Set(0..<flat.seriesCount)
            }
            for s in 0..<flat.seriesCount {
                if damaged.contains(s) {
                    decode.append(s)
                    metadataRows[s] = nil
                } else if metadataRows[s] == nil {
                    rowsKnown = false
                }
            }
        }
        let toDecode = decode
        let parts = Swift.min(toDecode.count, 4 * ProcessInfo.processInfo.activeProcessorCount)
        let decoded = (try? Parallel.map(parts) { part -> [SeriesBlockCheck] in
            var scratch = BlockReadScratch()
            var out: [SeriesBlockCheck] = []
            let range = (part * toDecode.count / parts)..<((part + 1) * toDecode.count / parts)
            out.reserveCapacity(range.count)
            for k in range {
                let s = toDecode[k]
                out.append(checkBlocks(seriesBlocks(s, of: flat), name: { String(decoding: flat.key(s), as: UTF8.self) },
                                       reader: reader, path: path, deep: deep, scratch: &scratch))
            }
            return out
        }) ?? []
        var blockChecks = metadataRows.map { SeriesBlockCheck(rows: $0 ?? 0) }
        for (k, c) in decoded.joined().enumerated() { blockChecks[toDecode[k]] = c }
        var blocksDamaged = false
        for (s, c) in blockChecks.enumerated() {
            check.problems += seriesProblems[s]
            check.problems += c.problems
            info.rows += c.rows
            blocksDamaged = blocksDamaged || c.damaged
        }
        // Every byte between header and index must lie in exactly one checksummed block.
        var cursor = SegmentFormat.headerSize
        for r in ranges {
            if r.start > cursor {
                problem(cursor, "bytes \(cursor)..<\(r.start) belong to no block (not covered by any checksum)")
            } else if r.start < cursor {
                problem(r.start, "blocks overlap at byte \(r.start)")
            }
            cursor = max(cursor, r.end)
        }
        if cursor != footer.indexOffset {
            problem(min(cursor, footer.indexOffset), "the blocks end at byte \(cursor) but the index starts at \(footer.indexOffset)")
        }
        info.series = flat.seriesCount
        if info.values == 0 { info.minTime = 0; info.maxTime = 0 }
        check.info = info
        if let expected, check.problems.isEmpty, !blocksDamaged {
            var mismatches: [String] = []
            for (what, a, b) in [("minTime", expected.minTime, info.minTime), ("maxTime", expected.maxTime, info.maxTime)] where a != b {
                mismatches.append("\(what) \(a) (file: \(b))")
            }
            for (what, a, b) in [("series", expected.series, info.series), ("rows", rowsKnown ? expected.rows : info.rows, info.rows),
                                 ("values", expected.values, info.values), ("bytes", expected.bytes, info.bytes)] where a != b {
                mismatches.append("\(what) \(a) (file: \(b))")
            }
            if !mismatches.isEmpty {
                problem(nil, "the manifest records " + mismatches.joined(separator: ", "), action: VerifyAction.manifestEntry)
            }
        }
        return check
    }

    /// One series' block metas, in index order, and where each field's run of them starts
    /// (one more start than fields: the end).
    struct SeriesBlocks: Sendable {
        var blocks: [(meta: BlockMeta, type: FieldType)] = []
        var entryStarts: [Int] = []
    }

    /// What pass 2 found in one series' blocks.
    struct SeriesBlockCheck: Sendable {
        var problems: [VerifyProblem] = []
        /// Distinct timestamps over the series' fields (the manifest's rows).
        var rows = 0
        /// A block failed its checksum or decode.
        var damaged = false
    }

    /// Reads one series' blocks, checks their checksums and timestamps (order, against the
    /// metas) and counts its rows; with `deep` decodes the values and checks the metas'
    /// statistics. `name` is made only for a message.
    static func checkBlocks(_ series: SeriesBlocks, name: () -> String, reader: SegmentReader, path: String, deep: Bool,
                            scratch: inout BlockReadScratch) -> SeriesBlockCheck {
        var out = SeriesBlockCheck()
        func problem(_ offset: Int?, _ what: String) {
            out.problems.append(VerifyProblem(file: path, offset: offset, problem: what, action: VerifyAction.segment))
        }
        let blocks = series.blocks
        let columns: [ColumnData]
        do {
            columns = try reader.readBlocks(blocks, scratch: &scratch, values: deep)
        } catch {
            // Name every damaged block, not only the first.
            out.damaged = true
            for (meta, type) in blocks {
                do { _ = try reader.readBlock(meta, type: type) } catch {
                    let (offset, what) = describe(error, path: path)
                    problem(offset, "series \(name()): \(what)")
                }
            }
            return out
        }
        // Fields share a timestamp block: check each one's order once.
        var sortedByOffset: [(offset: UInt64, sorted: Bool)] = []
        for (i, (meta, _)) in blocks.enumerated() {
            let data = columns[i]
            let at = Int(clamping: meta.offset)
            let sorted: Bool
            if meta.timestampLength != 0, let known = sortedByOffset.first(where: { $0.offset == meta.timestampOffset }) {
                sorted = known.sorted
            } else {
                var ok = true
                data.timestamps.withUnsafeBufferPointer { t in
                    var j = 1
                    while j < t.count { if t[j] <= t[j - 1] { ok = false; break }; j += 1 }
                }
                sorted = ok
                if meta.timestampLength != 0 { sortedByOffset.append((meta.timestampOffset, ok)) }
            }
            if !sorted { problem(at, "block of series \(name()) holds timestamps out of order or repeated") }
            if data.timestamps.first != meta.minTime || data.timestamps.last != meta.maxTime {
                problem(at, "block of series \(name()) spans [\(data.timestamps.first ?? 0), \(data.timestamps.last ?? 0)], its meta says [\(meta.minTime), \(meta.maxTime)]")
            }
            if deep, meta.flags & BlockMeta.noStats == 0, data.count > 0 {
                var stats = BlockMeta.stats(of: data, 0..<data.count, offset: meta.offset, length: meta.length)
                stats.timestampOffset = meta.timestampOffset
                stats.timestampLength = meta.timestampLength
                if stats != meta { problem(at, "block of series \(name()): the statistics in its meta do not match its values (aggregates read from the index would be wrong)") }
            }
        }
        out.rows = rows(series, columns)
        return out
    }

    /// One series' block metas from the flat index, for pass 2 to read its blocks.
    static func seriesBlocks(_ s: Int, of flat: FlatSegmentIndex) -> SeriesBlocks {
        var out = SeriesBlocks()
        for e in flat.entries(of: s) {
            out.entryStarts.append(out.blocks.count)
            let type = flat.type(ofEntry: e)
            for b in 0..<flat.blockCount(ofEntry: e) { out.blocks.append((flat.block(b, ofEntry: e), type)) }
        }
        out.entryStarts.append(out.blocks.count)
        return out
    }

    /// Whether every field of the series reads the first field's timestamp blocks.
    static func sharesTimestamps(_ series: SeriesBlocks) -> Bool {
        let starts = series.entryStarts
        guard starts.count >= 2 else { return true }
        let first = starts[0]..<starts[1]
        return series.blocks[first].allSatisfy { $0.meta.timestampLength != 0 } && (1..<(starts.count - 1)).allSatisfy { k in
            let run = starts[k]..<starts[k + 1]
            return run.count == first.count && zip(run, first).allSatisfy {
                series.blocks[$0.0].meta.timestampOffset == series.blocks[$0.1].meta.timestampOffset
            }
        }
    }

    /// Distinct timestamps over a series' fields. When every field uses the same timestamp
    /// blocks (what the writer does), that is the first field's count: its blocks are in
    /// time order and do not overlap (pass 1 checks that); otherwise the timestamps are merged.
    static func rows(_ series: SeriesBlocks, _ columns: [ColumnData]) -> Int {
        let starts = series.entryStarts
        guard starts.count >= 2 else { return 0 }
        let first = starts[0]..<starts[1]
        if sharesTimestamps(series) { return first.reduce(0) { $0 + columns[$1].timestamps.count } }
        var entryColumns: [ColumnData] = []
        for k in 0..<(starts.count - 1) {
            var column = ColumnData(type: series.blocks.isEmpty ? .float : series.blocks[max(0, min(starts[k], series.blocks.count - 1))].type)
            for i in starts[k]..<starts[k + 1] { column.timestamps += columns[i].timestamps }
            entryColumns.append(column)
        }
        return entryColumns.isEmpty ? 0 : SegmentWriter.distinctTimestamps(entryColumns)
    }

    /// The offset and what is wrong, from an error a `SegmentReader` threw (its messages end
    /// in "at byte N; this segment's data cannot be read: ...").
    package static func describe(_ error: any Error, path: String) -> (offset: Int?, what: String) {
        guard let e = error as? ChargelineError else { return (nil, "\(error)") }
        var m = e.message
        if m.hasPrefix(path + ": ") { m.removeFirst(path.count + 2) }
        if let r = m.range(of: "; this segment's data cannot be read") { m = String(m[..<r.lowerBound]) }
        var offset: Int?
        if let r = m.range(of: " at byte ", options: .backwards) {
            let digits = m[r.upperBound...].prefix { $0.isNumber }
            if let n = Int(digits), r.upperBound < m.endIndex, m.index(r.upperBound, offsetBy: digits.count) == m.endIndex {
                offset = n
                m = String(m[..<r.lowerBound])
            }
        }
        if let cause = e.cause { m += " (\(cause))" }
        return (offset, m)
    }
}
