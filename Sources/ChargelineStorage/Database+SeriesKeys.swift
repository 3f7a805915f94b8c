package import ChargelineCore

extension Database {
    /// The series of `measurement` holding a value of any of `fields` with a timestamp in
    /// `range`, from the segment indexes and the heads: what a read of those fields would
    /// return keys for, without reading the values.
    ///
    /// Why: a report's lookback must know which series reported in the week before its day
    /// (they get zero rows), and reading a week of rollup rows for 20,000 series to learn that
    /// decoded ~700,000 blocks. A block's time span answers alone when its first or last
    /// timestamp lies in `range` (it is a timestamp of a value); only a block that starts
    /// before `range` and ends after it is decoded to look.
    package func seriesKeys(measurement: String, holdingAnyOf fields: Set<String>, range: TimeRange) throws -> Set<[UInt8]> {
        let prefix = Self.measurementPrefix(measurement)
        let names = Set(fields.map { Array($0.utf8) })
        var out = Set<[UInt8]>()
        func take(_ head: Head) -> HeadSnapshot {
            head.snapshot(matching: { Self.isSeries($0, ofMeasurement: prefix) }, wanted: names)
        }
        func scanHead(_ snapshot: HeadSnapshot) {
            for (key, columns) in zip(snapshot.keys, snapshot.columns) where columns.contains(where: { $0.hasValue(in: range) }) {
                out.insert(key)
            }
        }
        lock.lock()
        let segments = segmentSet.overlapping(range)
        let frozenHeads = frozen.map(\.head)
        let activeSnapshot = take(active)
        lock.unlock()
        scanHead(activeSnapshot)
        for head in frozenHeads { scanHead(take(head)) }

        let indexes = try Self.loadFlatIndexes(segments, fields: fields)
        for (segment, index) in zip(segments, indexes) {
            let wanted = index.names.map { fields.contains($0) }
            guard wanted.contains(true) else { continue }
            series: for s in 0..<index.seriesCount where Self.isSeries(index.key(s), ofMeasurement: prefix) {
                for e in index.entries(of: s) where wanted[index.nameID(ofEntry: e)] {
                    if try Self.holdsValue(ofEntry: e, in: index, segment: segment, range: range) {
                        out.insert(Array(index.key(s)))
                        continue series
                    }
                }
            }
        }
        return out
    }

    /// Whether entry `e` of a segment has a value in `range` (blocks are in time order).
    private static func holdsValue(ofEntry e: Int, in index: FlatSegmentIndex, segment: SegmentReader, range: TimeRange) throws -> Bool {
        for i in 0..<index.blockCount(ofEntry: e) {
            let block = index.block(i, ofEntry: e)
            if block.maxTime < range.start { continue }
            if block.minTime >= range.end { return false }
            if block.minTime >= range.start || block.maxTime < range.end { return true }
            if try segment.readBlock(block, type: index.type(ofEntry: e)).clipped(to: range).count > 0 { return true }
        }
        return false
    }
}
