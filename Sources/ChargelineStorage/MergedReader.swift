package import ChargelineCore

/// The one read path: every source of a read (segments, frozen heads, the active head) as a
/// snapshot, and the one "newest write wins" merge over them. `read`/`readMap`/
/// `forEachSeries` (decoded columns), `scan` (chunks with statistics), `latest` (newest point)
/// and compaction all go through it, so a feature that changes what a source holds (deletes,
/// replicas) changes this file.
///
/// Sources are ordered oldest write first: segments by `seq`, then frozen heads, then the
/// active head; within a head column its sealed chunks in write order, then its tail. Per
/// (series, field) each source contributes parts (a segment block, a head chunk, the tail's
/// values in range); parts sorted by time form runs: a part that overlaps no other is its own
/// run and is used as it is (statistics and all), parts that overlap are merged, where two
/// hold the same timestamp the newer source winning. Runs are in time order and disjoint.
///
/// Tombstones (deletes) are honoured here and nowhere else: a part of a source older than a
/// tombstone covering its series and overlapping its time range is decoded and loses the
/// covered points before the merge (the part then holds its remaining values, decoded).
///
/// A part whose type differs from the field's type in the oldest source holding it is dropped
/// (the schema refuses such writes; only a damaged or hand-made store has them).
///
/// Immutable: threads read disjoint series from one reader at once, each with its own
/// `Scratch`.
package struct MergedReader: @unchecked Sendable {
    struct SegmentSource {
        let reader: SegmentReader
        let index: FlatSegmentIndex
        /// Name ID of the segment -> field ordinal (-1: not wanted).
        let ordinal: [Int]
    }
    struct HeadSource {
        let snapshot: HeadSnapshot
        /// Data generation (a frozen head's seq; the active head's is newer than any).
        let seq: UInt64
        /// Per series, per column: field ordinal (-1: not wanted).
        let ordinals: [[Int]]
    }

    let segments: [SegmentSource]
    let heads: [HeadSource]
    /// Field names; a field's ordinal is its position.
    package let names: [String]
    package let range: TimeRange
    /// Every key with a part in some source, sorted (when the reader was asked to list them).
    package let keys: [[UInt8]]
    /// The deletes to honour.
    let tombstones: TombstoneFilter

    /// Which fields a reader serves.
    enum Fields {
        /// Exactly these, in this order (a field no source holds comes back nil).
        case ordered([String])
        /// Those of the set (all when nil) that some source holds for a matching series,
        /// sorted by name.
        case present(Set<String>?)
    }

    /// Builds the reader over `segments` (oldest first, indexes loaded here) and `heads`
    /// (oldest first, snapshots taken by the caller, of generations `headSeqs`: newer than
    /// every tombstone when nil). `matches` selects series keys when listing them
    /// (`listKeys`); a key that `tombstones` erase for all time in a segment is not listed
    /// from that segment.
    init(segments readers: [SegmentReader], heads snapshots: [HeadSnapshot], headSeqs: [UInt64]? = nil,
         tombstones: TombstoneFilter = .none, fields: Fields, range: TimeRange,
         listKeys: Bool, matches plainMatches: (ArraySlice<UInt8>) -> Bool) throws {
        self.tombstones = tombstones
        func matches(_ i: Int, _ key: ArraySlice<UInt8>) -> Bool {
            plainMatches(key) && (tombstones.isEmpty || !tombstones.erases(key, sourceSeq: readers[i].info.seq))
        }
        let wantedSet: Set<String>?
        switch fields {
        case .ordered(let list): wantedSet = Set(list)
        case .present(let set): wantedSet = set
        }
        let indexes = try Database.loadFlatIndexes(readers, fields: wantedSet)
        let heads = snapshots  // sorted by key as taken
        var sortedKeys: [[UInt8]] = []
        var names: [String]
        switch fields {
        case .ordered(let list):
            names = list
            if listKeys {
                for (i, index) in indexes.enumerated() {
                    var matching: [[UInt8]] = []
                    for s in 0..<index.seriesCount where matches(i, index.key(s)) { matching.append(Array(index.key(s))) }
                    sortedKeys = Database.mergeSorted(sortedKeys, matching)
                }
            }
        case .present(let set):
            // A segment's keys are sorted: its matching ones are merged into the sorted list
            // (no hashing of every key of every segment, no sort at the end).
            var present = Set<String>()
            for (i, index) in indexes.enumerated() {
                var matching: [[UInt8]] = []
                matching.reserveCapacity(index.seriesCount)
                var has = [Bool](repeating: false, count: index.names.count)
                for s in 0..<index.seriesCount where matches(i, index.key(s)) { matching.append(Array(index.key(s))) }
                if matching.count == index.seriesCount {
                    // Every series matches (one measurement per segment, the usual case).
                    for id in has.indices { has[id] = true }
                } else {
                    for s in 0..<index.seriesCount where matches(i, index.key(s)) {
                        for e in index.entries(of: s) { has[index.nameID(ofEntry: e)] = true }
                    }
                }
                for (id, name) in index.names.enumerated() where has[id] && (set?.contains(name) ?? true) { present.insert(name) }
                if listKeys { sortedKeys = Database.mergeSorted(sortedKeys, matching) }
            }
            for head in heads {
                for columns in head.columns { for c in columns { present.insert(String(decoding: c.name, as: UTF8.self)) } }
            }
            names = present.sorted()
        }
        if listKeys {
            for head in heads where !head.keys.isEmpty { sortedKeys = Database.mergeSorted(sortedKeys, head.keys) }
        }
        var ordinal: [String: Int] = [:]
        for (i, name) in names.enumerated() where ordinal[name] == nil { ordinal[name] = i }
        segments = zip(readers, indexes).map { reader, index in
            SegmentSource(reader: reader, index: index, ordinal: index.names.map { ordinal[$0] ?? -1 })
        }
        // Per column its field ordinal, by position (ColumnPositionMemo) instead of hashing a String.
        var memo = ColumnPositionMemo<Int>()
        func ordinalOf(_ name: [UInt8], at j: Int) -> Int {
            memo.value(name, at: j) { ordinal[String(decoding: $0, as: UTF8.self)] ?? -1 }
        }
        self.heads = heads.enumerated().map { h, head in
            HeadSource(snapshot: head, seq: headSeqs?[h] ?? .max, ordinals: head.columns.map { columns in
                columns.indices.map { ordinalOf(columns[$0].name, at: $0) }
            })
        }
        self.names = names
        self.range = range
        keys = sortedKeys
    }

    // MARK: - Parts and runs

    /// One source's contribution to one (series, field).
    struct Part {
        var ordinal: Int
        var minTime: Int64
        var maxTime: Int64
        var type: FieldType
        /// Segment source index for a block, -1 otherwise.
        var segment: Int
        /// The source's data generation (tombstones apply to older ones).
        var seq: UInt64
        var meta: BlockMeta?
        /// A head chunk: `chunks[chunkIndex]` (the column's `ordered` or `late` list; the list,
        /// not the chunk, is retained while parts are moved around).
        var chunks: [HeadChunk]?
        var chunkIndex = 0
        var tail: OpenTail?
        /// Values already decoded: what is left of a part after a tombstone cut it.
        var data: ColumnData?

        /// Statistics usable without decoding (a block, sealed chunk or tail with exact
        /// numeric stats).
        var stats: BlockMeta? {
            if data != nil { return nil }
            if let tail { return tail.stats }
            if let chunks { return chunks[chunkIndex].stats.flags & BlockMeta.noStats == 0 ? chunks[chunkIndex].stats : nil }
            if let meta { return meta.flags & BlockMeta.noStats == 0 ? meta : nil }
            return nil
        }
    }

    /// Per-thread buffers, reused from one series to the next.
    package struct Scratch {
        var block = BlockReadScratch()
        var blocks: [(meta: BlockMeta, type: FieldType)] = []
        var blockParts: [Int] = []
        /// Parts in source order: a part's position is its age (higher: newer write).
        var parts: [Part] = []
        /// Part indexes sorted by (ordinal, minTime, age).
        var order: [Int] = []
        var sortKeys: [(Int, Int64, Int)] = []
        /// Per part its values (decoding modes) and their positions inside the range.
        var data: [ColumnData] = []
        var inRange: [Range<Int>] = []
        /// Tombstones covering the series being gathered.
        var covering: [(seq: UInt64, range: TimeRange)] = []
        var cut: [TimeRange] = []
        /// Per head source, where to look for the next key first (after the last one found).
        var headHints: [Int] = []

        package init() {}
    }

    /// Collects the parts of series `key` in source order, then sorts them into `order`.
    /// With `latestOnly`, a head column's sealed chunks that end before a value of it known
    /// to lie in range (its tail's newest, or another chunk's last) are left out: they cannot
    /// hold the newest point, nor decide its value.
    func gather(_ key: [UInt8], _ scratch: inout Scratch, latestOnly: Bool = false) throws {
        scratch.parts.removeAll(keepingCapacity: true)
        for (si, source) in segments.enumerated() {
            let index = source.index
            guard let s = index.position(of: key) else { continue }
            for e in index.entries(of: s) {
                let o = source.ordinal[index.nameID(ofEntry: e)]
                guard o >= 0 else { continue }
                let type = index.type(ofEntry: e)
                for b in 0..<index.blockCount(ofEntry: e) {
                    let m = index.block(b, ofEntry: e)
                    guard range.overlaps(minTime: m.minTime, maxTime: m.maxTime) else { continue }
                    scratch.parts.append(Part(ordinal: o, minTime: m.minTime, maxTime: m.maxTime, type: type, segment: si,
                                              seq: source.reader.info.seq, meta: m))
                }
            }
        }
        if scratch.headHints.count != heads.count { scratch.headHints = Array(repeating: 0, count: heads.count) }
        for (hi, head) in heads.enumerated() {
            guard let h = head.snapshot.position(of: key, hint: scratch.headHints[hi]) else { continue }
            scratch.headHints[hi] = h + 1
            for (c, column) in head.snapshot.columns[h].enumerated() {
                let o = head.ordinals[h][c]
                guard o >= 0 else { continue }
                // The tail is not copied: its span, and statistics when exact, stand for it.
                let tail = column.tail.flatMap { range.overlaps(minTime: $0.minTime, maxTime: $0.maxTime) ? $0 : nil }
                // (Not past a tombstone newer than the head: the values it looks at may be deleted.)
                let latestWithoutDeletes = latestOnly && tombstones.entries.allSatisfy({ $0.seq <= head.seq })
                if latestWithoutDeletes, let tail, tail.minTime > column.sealedMaxTime, range.contains(tail.maxTime) {
                    // The tail starts after every sealed chunk ends and its newest is in range:
                    // it alone holds the newest point (no chunk is read to know it).
                    scratch.parts.append(Part(ordinal: o, minTime: tail.minTime, maxTime: tail.maxTime,
                                              type: column.type, segment: -1, seq: head.seq, tail: tail))
                    continue
                }
                var span = column.orderedOverlapping(range)
                var floor = Int64.min
                if latestWithoutDeletes {
                    if let tail, range.contains(tail.maxTime) { floor = tail.maxTime }
                    // Ordered chunks are ascending: the newest one ending inside the range
                    // bounds the rest (older ones end before it).
                    var k = span.upperBound
                    while k > span.lowerBound {
                        k -= 1
                        if range.contains(column.ordered[k].maxTime) {
                            floor = max(floor, column.ordered[k].maxTime)
                            span = k..<span.upperBound
                            break
                        }
                    }
                    for chunk in column.late where range.contains(chunk.maxTime) && chunk.maxTime > floor { floor = chunk.maxTime }
                }
                // Age order: ordered chunks, late ones, the tail (see `HeadColumn`).
                let ordered = column.ordered
                for k in span where ordered[k].maxTime >= floor {
                    scratch.parts.append(Part(ordinal: o, minTime: ordered[k].minTime, maxTime: ordered[k].maxTime, type: column.type,
                                              segment: -1, seq: head.seq, chunks: ordered, chunkIndex: k))
                }
                let late = column.late
                for k in late.indices where late[k].maxTime >= floor && range.overlaps(minTime: late[k].minTime, maxTime: late[k].maxTime) {
                    scratch.parts.append(Part(ordinal: o, minTime: late[k].minTime, maxTime: late[k].maxTime, type: column.type,
                                              segment: -1, seq: head.seq, chunks: late, chunkIndex: k))
                }
                if let tail, tail.maxTime >= floor {
                    scratch.parts.append(Part(ordinal: o, minTime: tail.minTime, maxTime: tail.maxTime,
                                              type: column.type, segment: -1, seq: head.seq, tail: tail))
                }
            }
        }
        if !tombstones.isEmpty { try applyTombstones(key, &scratch) }
        // Sort keys apart from the parts: comparing `Part` values would copy and retain them.
        // Usually already in order (one source per field, blocks ascending): no sort then.
        scratch.sortKeys.removeAll(keepingCapacity: true)
        var sorted = true
        for i in scratch.parts.indices {
            let key = (scratch.parts[i].ordinal, scratch.parts[i].minTime, i)
            if sorted, let last = scratch.sortKeys.last, !(last < key) { sorted = false }
            scratch.sortKeys.append(key)
        }
        if !sorted { scratch.sortKeys.sort { $0 < $1 } }
        scratch.order.removeAll(keepingCapacity: true)
        for k in scratch.sortKeys { scratch.order.append(k.2) }
    }

    /// Replaces each part that a tombstone covering `key` affects (an older source, an
    /// overlapping time range) by its values without the deleted ones (dropped when none is
    /// left), in place: a part's position stays its age.
    private func applyTombstones(_ key: [UInt8], _ scratch: inout Scratch) throws {
        tombstones.matching(key, into: &scratch.covering)
        guard !scratch.covering.isEmpty else { return }
        var kept = 0
        for i in scratch.parts.indices {
            var p = scratch.parts[i]
            scratch.cut.removeAll(keepingCapacity: true)
            for (seq, r) in scratch.covering where p.seq < seq && r.overlaps(minTime: p.minTime, maxTime: p.maxTime) { scratch.cut.append(r) }
            if !scratch.cut.isEmpty {
                let left = try decode(p).removing(scratch.cut)
                guard left.count > 0 else { continue }
                p = Part(ordinal: p.ordinal, minTime: left.timestamps[0], maxTime: left.timestamps[left.count - 1], type: p.type,
                         segment: -1, seq: p.seq, data: left)
            }
            scratch.parts[kept] = p
            kept += 1
        }
        scratch.parts.removeSubrange(kept...)
    }

    /// Calls `body(ordinal, runs)` for each field with parts, runs as ranges of `order`: the
    /// parts of a run overlap one another (transitively), runs are disjoint and ascending.
    /// Parts of another type than the field's oldest are left out of `order` first.
    func forEachField(_ scratch: inout Scratch, _ body: (Int, [Range<Int>], inout Scratch) throws -> Void) rethrows {
        var i = 0
        var runs: [Range<Int>] = []
        while i < scratch.order.count {
            let o = scratch.parts[scratch.order[i]].ordinal
            var end = i
            var oldest = scratch.order[i]
            while end < scratch.order.count && scratch.parts[scratch.order[end]].ordinal == o {
                oldest = min(oldest, scratch.order[end])
                end += 1
            }
            let type = scratch.parts[oldest].type
            var k = i
            for j in i..<end where scratch.parts[scratch.order[j]].type == type {
                scratch.order[k] = scratch.order[j]
                k += 1
            }
            runs.removeAll(keepingCapacity: true)
            var start = i
            while start < k {
                var stop = start + 1
                var maxT = scratch.parts[scratch.order[start]].maxTime
                while stop < k && scratch.parts[scratch.order[stop]].minTime <= maxT {
                    maxT = max(maxT, scratch.parts[scratch.order[stop]].maxTime)
                    stop += 1
                }
                runs.append(start..<stop)
                start = stop
            }
            try body(o, runs, &scratch)
            i = end
        }
    }

    /// The parts of a run, oldest source first.
    static func byAge(_ run: Range<Int>, _ scratch: Scratch) -> [Int] {
        scratch.order[run].sorted()
    }

    /// Decodes one part (a segment block alone: `columns` batches them instead).
    func decode(_ p: Part) throws -> ColumnData {
        if let data = p.data { return data }
        if let tail = p.tail { return tail.data(in: range) }
        if let chunks = p.chunks { return chunks[p.chunkIndex].decode() }
        return try segments[p.segment].reader.readBlock(p.meta!, type: p.type)
    }

    /// The values of a multi-part run in range, merged (newest source wins).
    func merged(_ run: Range<Int>, _ scratch: Scratch, decoded: (Int) throws -> ColumnData) throws -> ColumnData {
        let members = Self.byAge(run, scratch)
        let datas = try members.map { try decoded($0).clipped(to: range) }
        return ColumnData.merge(datas, type: scratch.parts[members[0]].type)
    }

    // MARK: - Consumers

    /// The columns of series `key` in name order; nil when no source holds a value of it in
    /// the range. Segment blocks of the series are read with one `readBlocks` per segment; a
    /// part that reaches past the range is clipped by position, not copied.
    package func columns(of key: [UInt8], scratch: inout Scratch) throws -> [FieldColumn]? {
        try gather(key, &scratch)
        guard !scratch.parts.isEmpty else { return nil }
        // Decode every part: blocks batched per segment.
        scratch.data.removeAll(keepingCapacity: true)
        for p in scratch.parts {
            if let data = p.data { scratch.data.append(data) } else if let tail = p.tail { scratch.data.append(tail.data(in: range)) } else if let chunks = p.chunks { scratch.data.append(chunks[p.chunkIndex].decode()) } else { scratch.data.append(ColumnData(type: p.type)) }
        }
        var i = 0
        while i < scratch.parts.count {
            let seg = scratch.parts[i].segment
            guard seg >= 0 else { i += 1; continue }
            scratch.blocks.removeAll(keepingCapacity: true)
            scratch.blockParts.removeAll(keepingCapacity: true)
            var j = i
            while j < scratch.parts.count && scratch.parts[j].segment == seg {
                scratch.blocks.append((scratch.parts[j].meta!, scratch.parts[j].type))
                scratch.blockParts.append(j)
                j += 1
            }
            let read = try segments[seg].reader.readBlocks(scratch.blocks, scratch: &scratch.block)
            for (k, d) in read.enumerated() { scratch.data[scratch.blockParts[k]] = d }
            i = j
        }
        scratch.inRange.removeAll(keepingCapacity: true)
        for i in scratch.parts.indices {
            let (lo, hi) = (scratch.parts[i].minTime, scratch.parts[i].maxTime)
            scratch.inRange.append(lo < range.start || hi >= range.end ? scratch.data[i].indices(in: range) : 0..<scratch.data[i].count)
        }
        var columns: [FieldColumn] = []
        try forEachField(&scratch) { o, runs, scratch in
            // One part: the block or chunk itself (no copy when the range covers it).
            if runs.count == 1 && runs[0].count == 1 {
                let p = scratch.order[runs[0].lowerBound]
                let d = scratch.data[p].slice(scratch.inRange[p])
                if d.count > 0 { columns.append(FieldColumn(name: names[o], data: d)) }
                return
            }
            let type = scratch.parts[scratch.order[runs[0].lowerBound]].type
            var out = ColumnData(type: type)
            let total = runs.reduce(0) { n, run in n + scratch.order[run].reduce(0) { $0 + scratch.inRange[$1].count } }
            out.timestamps.reserveCapacity(total)
            if type != .string { out.bits.reserveCapacity(total) }
            for run in runs {
                if run.count == 1 {
                    let p = scratch.order[run.lowerBound]
                    out.append(contentsOf: scratch.data[p], scratch.inRange[p])
                } else {
                    let data = scratch.data
                    let m = try merged(run, scratch) { data[$0] }
                    out.append(contentsOf: m, 0..<m.count)
                }
            }
            if out.count > 0 { columns.append(FieldColumn(name: names[o], data: out)) }
        }
        return columns.isEmpty ? nil : columns
    }

    /// The chunks of series `key`, per field ordinal (nil: no value in range): parts that
    /// overlap no other come back undecoded with their statistics; overlapping ones merged
    /// into one in-memory chunk.
    package func scan(_ key: [UInt8], scratch: inout Scratch) throws -> [FieldScan?] {
        if let out = headOnlyScan(key, &scratch) { return out }
        try gather(key, &scratch)
        var out = [FieldScan?](repeating: nil, count: names.count)
        guard !scratch.parts.isEmpty else { return out }
        try forEachField(&scratch) { o, runs, scratch in
            var chunks: [ScanChunk] = []
            chunks.reserveCapacity(runs.count)
            for run in runs {
                if run.count == 1 {
                    let i = scratch.order[run.lowerBound]
                    if let meta = scratch.parts[i].meta {
                        chunks.append(ScanChunk(block: meta, type: scratch.parts[i].type, reader: segments[scratch.parts[i].segment].reader,
                                                range: range))
                    } else if let list = scratch.parts[i].chunks {
                        chunks.append(ScanChunk(chunks: list, at: scratch.parts[i].chunkIndex, range: range))
                    } else if let tail = scratch.parts[i].tail {
                        chunks.append(ScanChunk(tail: tail, range: range))
                    } else if let data = scratch.parts[i].data {
                        chunks.append(ScanChunk(data: data, range: range))
                    }
                } else {
                    let parts = scratch.parts
                    let m = try merged(run, scratch) { try decode(parts[$0]) }
                    if m.count > 0 { chunks.append(ScanChunk(data: m, range: range)) }
                }
            }
            if !chunks.isEmpty { out[o] = FieldScan(name: names[o], type: chunks[0].type, chunks: chunks) }
        }
        return out
    }

    /// `scan` of a series that one head alone holds, with no late chunk and a tail after its
    /// sealed chunks, and no delete to honour: the live server's usual case, where every part
    /// is its own run already in time order, so the chunks are listed straight from the
    /// column without collecting, sorting and grouping parts. Nil when the series is not such
    /// a case (then the general merge answers).
    private func headOnlyScan(_ key: [UInt8], _ scratch: inout Scratch) -> [FieldScan?]? {
        guard tombstones.isEmpty else { return nil }
        for source in segments where source.index.position(of: key) != nil { return nil }
        if scratch.headHints.count != heads.count { scratch.headHints = Array(repeating: 0, count: heads.count) }
        var found: (head: Int, position: Int)?
        for (hi, head) in heads.enumerated() {
            guard let h = head.snapshot.position(of: key, hint: scratch.headHints[hi]) else { continue }
            guard found == nil else { return nil }
            found = (hi, h)
        }
        guard let (hi, h) = found else { return [FieldScan?](repeating: nil, count: names.count) }
        let head = heads[hi]
        let columns = head.snapshot.columns[h]
        let ordinals = head.ordinals[h]
        // Every wanted column must be simple. (A head keeps one column per field name, so no
        // field comes from two columns.)
        for c in columns.indices where ordinals[c] >= 0 {
            let column = columns[c]
            if !column.late.isEmpty { return nil }
            if let tail = column.tail, tail.minTime <= column.sealedMaxTime { return nil }
        }
        scratch.headHints[hi] = h + 1
        var out = [FieldScan?](repeating: nil, count: names.count)
        for c in columns.indices {
            let o = ordinals[c]
            guard o >= 0 else { continue }
            let column = columns[c]
            let span = column.orderedOverlapping(range)
            let tail = column.tail.flatMap { range.overlaps(minTime: $0.minTime, maxTime: $0.maxTime) ? $0 : nil }
            var chunks: [ScanChunk] = []
            chunks.reserveCapacity(span.count + (tail == nil ? 0 : 1))
            let ordered = column.ordered
            for k in span { chunks.append(ScanChunk(chunks: ordered, at: k, range: range)) }
            if let tail { chunks.append(ScanChunk(tail: tail, range: range)) }
            if !chunks.isEmpty { out[o] = FieldScan(name: names[o], type: column.type, chunks: chunks) }
        }
        return out
    }

    /// The greatest timestamp of any wanted field of series `key` in this reader's segments
    /// (nil when none holds one), from their block metadata alone: per field the last block's
    /// end. Exact with no delete to honour and the range all time; heads are asked directly
    /// (`Head.raiseNewestTimes`, `Database.newestTimes`).
    func newestSegmentTime(_ key: [UInt8]) -> Int64? {
        var newest: Int64?
        for source in segments {
            let index = source.index
            guard let s = index.position(of: key) else { continue }
            for e in index.entries(of: s) where source.ordinal[index.nameID(ofEntry: e)] >= 0 {
                let n = index.blockCount(ofEntry: e)
                // Blocks of an entry are in time order: the last one ends last.
                if n > 0 { newest = max(newest ?? .min, index.block(n - 1, ofEntry: e).maxTime) }
            }
        }
        return newest
    }

    /// The newest point in range of each field of series `key` (nil where none), written into
    /// `slots[base + ordinal]`: the last run's statistics when it is one part ending inside
    /// the range, else the run decoded (and earlier runs when it holds nothing in range).
    func latest(_ key: [UInt8], scratch: inout Scratch, into slots: inout [LatestPoint?], at base: Int) throws {
        try gather(key, &scratch, latestOnly: true)
        guard !scratch.parts.isEmpty else { return }
        try forEachField(&scratch) { o, runs, scratch in
            for run in runs.reversed() {
                let d: ColumnData
                if run.count == 1 {
                    let p = scratch.parts[scratch.order[run.lowerBound]]
                    if let tail = p.tail, tail.hasStats, let point = tail.latest(in: range) {
                        // The newest value read directly (no statistics built for it).
                        slots[base + o] = point
                        return
                    }
                    if let s = p.stats, p.maxTime < range.end {
                        slots[base + o] = LatestPoint(time: p.maxTime, value: FieldValue(type: p.type, bits: s.last))
                        return
                    }
                    if let tail = p.tail {
                        // Its newest value in range, found in place.
                        if let point = tail.latest(in: range) { slots[base + o] = point; return }
                        continue
                    }
                    d = try decode(p).clipped(to: range)
                } else {
                    let parts = scratch.parts
                    d = try merged(run, scratch) { try decode(parts[$0]) }
                }
                if d.count > 0 {
                    slots[base + o] = LatestPoint(time: d.timestamps[d.count - 1], value: d.value(at: d.count - 1))
                    return
                }
            }
        }
    }
}

extension ColumnData {
    /// Appends values `r` of `other` (same type).
    mutating func append(contentsOf other: ColumnData, _ r: Range<Int>) {
        guard !r.isEmpty else { return }
        timestamps.append(contentsOf: other.timestamps[r])
        if type == .string {
            for i in r { appendString(other.stringSlice(i)) }
        } else {
            bits.append(contentsOf: other.bits[r])
        }
    }
}
