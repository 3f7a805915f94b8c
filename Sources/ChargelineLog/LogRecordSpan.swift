/// One intact record a scan found: where it starts in its segment and where its payload lies.
/// Offsets are bytes from the start of the segment file.
package struct LogRecordSpan: Sendable, Equatable {
    /// Where the record (its header) starts.
    package var offset: Int
    /// The payload's bytes.
    package var payload: Range<Int>
    /// Where the next record starts.
    package var end: Int { payload.upperBound }
}
