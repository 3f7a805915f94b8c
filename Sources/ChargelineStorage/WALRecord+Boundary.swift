extension WALRecord {
    /// The length of the longest prefix of `bytes`, the start of a WAL segment that the
    /// committer may still be appending to, that ends at a record boundary: the segment header
    /// plus every record whose header and payload are wholly inside `bytes`. Checksums are not
    /// checked here (replay does that); 0 when not even the segment header is there.
    ///
    /// A copy of an active segment cut at this length replays every record written before the
    /// copy was read, and never a torn one.
    package static func completePrefix(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard bytes.count >= segmentHeaderSize else { return 0 }
        var offset = segmentHeaderSize
        while bytes.count - offset >= recordHeaderSize {
            var length: UInt32 = 0
            withUnsafeMutableBytes(of: &length) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 4])) }
            let payload = Int(UInt32(littleEndian: length))
            guard payload <= maxPayload, bytes.count - offset - recordHeaderSize >= payload else { break }
            offset += recordHeaderSize + payload
        }
        return offset
    }
}
