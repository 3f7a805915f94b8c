extension Head {
    /// For each of `keys` that this head holds, raises `out[k]` to the greatest timestamp of
    /// any of its columns named in `wanted` (all columns when nil), sealed or in the open
    /// tail. What `MergedReader.newestTime` reads of a head, without a `HeadSnapshot`: no
    /// chunk list is retained and nothing is allocated per series, so asking every series of
    /// a live head which of them went silent costs a walk over column headers. Same locking
    /// as `snapshot`: the active head under its database's lock, a frozen one at any time.
    package func raiseNewestTimes(of keys: [[UInt8]], wanted: Set<[UInt8]>?, into out: inout [Int64?]) {
        precondition(out.count == keys.count, "BUG: one newest time per key")
        var memo = ColumnPositionMemo<Bool>()
        for k in keys.indices {
            guard let si = seriesIndex(of: keys[k]) else { continue }
            var newest = Int64.min
            for (j, column) in series[si].enumerated() {
                let end = column.newestTime
                guard end > newest else { continue }
                if let wanted, !memo.value(column.name, at: j, { wanted.contains($0) }) { continue }
                newest = end
            }
            if newest > .min { out[k] = Swift.max(out[k] ?? .min, newest) }
        }
    }
}
