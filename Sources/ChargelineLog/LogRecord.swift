package import ChargelineCore

/// The framing of every log record (docs/format/log.md):
///
/// ```
/// ┌───────────┬───────────┬─────────────────────┐
/// │ len <u32> │ crc <u32> │ payload <len bytes> │
/// └───────────┴───────────┴─────────────────────┘
/// ```
///
/// `len` counts the payload only (1 to `maxPayload`); `crc` is CRC-32C over the payload, not
/// over `len`. The payload is the owner's bytes: the log never looks inside it.
///
/// Writers append into a buffer the caller owns and reuses, so encoding a record allocates
/// nothing once the buffer has grown to its working size. The payload may be given in pieces
/// (a record type byte, then a batch): checksum each with `checksum(_:continuing:)`, then
/// `appendHeader` and append the pieces, with no copy into a temporary.
package enum LogRecord {
    /// `len` and `crc`: eight bytes before every payload.
    package static let headerSize = 8
    /// The largest payload (1 GiB): far above any record an owner writes (the HTTP body limit
    /// is 25 MB), so a larger length means a damaged header, not a big record.
    package static let maxPayload = 1 << 30

    /// CRC-32C over `bytes`, continuing from the checksum of the payload's earlier pieces
    /// (0 for the first). Costly for big payloads: compute it before taking a lock.
    @inlinable @inline(__always)
    package static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        CRC32C.checksum(bytes, continuing: crc)
    }

    /// Appends the header of a record whose payload is `payloadLength` bytes with checksum
    /// `crc` to `out`; the caller appends exactly those payload bytes next.
    @inlinable @inline(__always)
    package static func appendHeader(payloadLength: Int, checksum crc: UInt32, to out: inout [UInt8]) {
        guard payloadLength >= 1 && payloadLength <= maxPayload else {
            preconditionFailure("BUG: a log record holds 1 to \(maxPayload) bytes, not \(payloadLength)")
        }
        withUnsafeBytes(of: UInt32(payloadLength).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: crc.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Appends one whole record holding `payload` to `out`.
    package static func append(payload: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        appendHeader(payloadLength: payload.count, checksum: checksum(payload), to: &out)
        out.append(contentsOf: payload)
    }

    /// Starts a record whose payload the caller then appends to `out` in place (so an encoder
    /// can write straight into the log's buffer); returns where it starts, for `finish`.
    package static func begin(_ out: inout [UInt8]) -> Int {
        let start = out.count
        for _ in 0..<headerSize { out.append(0) }
        return start
    }

    /// Ends the record `begin` started at `start`: everything appended to `out` since is its
    /// payload; writes its length and checksum.
    package static func finish(_ out: inout [UInt8], recordAt start: Int) {
        let length = out.count - start - headerSize
        guard length >= 1 && length <= maxPayload else {
            preconditionFailure("BUG: a log record holds 1 to \(maxPayload) bytes, not \(length)")
        }
        out.withUnsafeMutableBytes { raw in
            let crc = checksum(UnsafeRawBufferPointer(rebasing: raw[(start + headerSize)...]))
            raw.storeBytes(of: UInt32(length).littleEndian, toByteOffset: start, as: UInt32.self)
            raw.storeBytes(of: crc.littleEndian, toByteOffset: start + 4, as: UInt32.self)
        }
    }

    /// A record's `len` and `crc`.
    package struct Header: Sendable, Equatable {
        /// Payload bytes (as stored: may be out of range when the header is damaged).
        package var length: Int
        /// CRC-32C of the payload.
        package var checksum: UInt32
    }

    /// The header at `offset` of `raw`; the caller has checked that 8 bytes are there.
    @inline(__always)
    package static func header(_ raw: UnsafeRawBufferPointer, at offset: Int) -> Header {
        Header(length: Int(raw.loadLE(UInt32.self, at: offset)), checksum: raw.loadLE(UInt32.self, at: offset + 4))
    }

    /// What is wrong with the record framing at `offset` of `raw` (a segment's bytes from its
    /// start), before its payload is checked: nil when the header is there, its length is in
    /// range and the payload fits; then check the payload against the header's `crc`.
    package static func problem(at offset: Int, in raw: UnsafeRawBufferPointer) -> LogCorruption.Problem? {
        let available = raw.count - offset
        guard available >= headerSize else { return .tornTail(present: available) }
        return problem(header: header(raw, at: offset), available: available)
    }

    /// What is wrong with a record whose header reads `header` when `available` bytes of its
    /// file (header included, at least 8) remain from its start: a bad length, or a payload
    /// running past the end. Nil when the payload fits.
    package static func problem(header: Header, available: Int) -> LogCorruption.Problem? {
        guard header.length >= 1 && header.length <= maxPayload else { return .badLength(header.length) }
        guard available - headerSize >= header.length else { return .tornTail(present: available) }
        return nil
    }
}
