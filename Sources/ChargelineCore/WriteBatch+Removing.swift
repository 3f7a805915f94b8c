extension WriteBatch {
    /// This batch without the points at `indices` (ascending, each below `pointCount`): the
    /// other point records are copied as they are, in order. Walks the whole batch, so call it
    /// only when something is to be removed.
    package func removingPoints(at indices: [Int]) -> WriteBatch {
        guard !indices.isEmpty else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var points = 0
        var values = 0
        bytes.withUnsafeBytes { raw in
            var offset = 0
            var index = 0
            var next = 0  // position in `indices` of the next point to remove
            while offset < raw.count {
                let len = Int(raw.loadLE(UInt32.self, at: offset))
                let end = offset + 4 + len
                if next < indices.count && indices[next] == index {
                    next += 1
                } else {
                    out.append(contentsOf: raw[offset..<end])
                    points += 1
                    // keyLen <u16>, key, time <i64>, nFields <u16>
                    let keyLen = Int(raw.loadLE(UInt16.self, at: offset + 4))
                    values += Int(raw.loadLE(UInt16.self, at: offset + 4 + 2 + keyLen + 8))
                }
                offset = end
                index += 1
            }
        }
        return WriteBatch(bytes: out, pointCount: points, valueCount: values)
    }
}
