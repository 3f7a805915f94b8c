import ChargelineLog

extension WALRecord {
    /// The length of the longest prefix of `bytes`, the start of a WAL segment that the
    /// committer may still be appending to, that ends at a record boundary: the segment header
    /// plus every record whose header and payload are wholly inside `bytes`. Checksums are not
    /// checked here (replay does that); 0 when not even the segment header is there.
    ///
    /// A copy of an active segment cut at this length replays every record written before the
    /// copy was read, and never a torn one.
    package static func completePrefix(_ bytes: UnsafeRawBufferPointer) -> Int {
        LogScanner.completePrefix(bytes)
    }
}
