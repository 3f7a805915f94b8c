import ChargelineCore
import Foundation

/// Checks a `ChecksummedJSONFile` (`MANIFEST`, `ROLLUPS`) byte by byte, as `chargeline
/// verify` does: unlike `load`, every problem gets its byte offset, and the reserved bytes
/// must be zero, so a flip anywhere in the file is found.
enum ChecksummedFileCheck {
    /// The decoded document, or the problem (offset, what) that stops it from decoding.
    static func check<T: Decodable>(_ type: T.Type, path: String, magic: [UInt8], version: UInt16) -> Result<T, VerifyProblemDetail> {
        let bytes: [UInt8]
        do { bytes = try FileIO.readAll(path) } catch { return .failure(.init(offset: nil, what: "cannot be read: \(error)")) }
        guard bytes.count >= 16 else { return .failure(.init(offset: 0, what: "file is \(bytes.count) bytes, shorter than its 16-byte header")) }
        guard Array(bytes[0..<4]) == magic else {
            return .failure(.init(offset: 0, what: "bad magic \(bytes[0..<4].map { String(format: "%02x", $0) }.joined()) (expected \"\(String(decoding: magic, as: UTF8.self))\")"))
        }
        let (v, reserved, length, crc) = bytes.withUnsafeBytes {
            ($0.loadLE(UInt16.self, at: 4), $0.loadLE(UInt16.self, at: 6), Int($0.loadLE(UInt32.self, at: 8)), $0.loadLE(UInt32.self, at: 12))
        }
        guard v == version else { return .failure(.init(offset: 4, what: "version \(v) is not supported by this build (expects \(version))")) }
        guard reserved == 0 else { return .failure(.init(offset: 6, what: "reserved bytes are 0x\(String(reserved, radix: 16)), not 0")) }
        guard bytes.count == 16 + length else {
            return .failure(.init(offset: 8, what: "length \(length) does not match the \(bytes.count - 16) bytes after the header"))
        }
        let json = Array(bytes[16...])
        guard CRC32C.checksum(json) == crc else { return .failure(.init(offset: 12, what: "checksum mismatch: the JSON after byte 16 is damaged")) }
        do {
            return .success(try JSONDecoder().decode(T.self, from: Data(json)))
        } catch {
            return .failure(.init(offset: 16, what: "JSON does not decode: \(error)"))
        }
    }
}

/// Where a problem lies and what it is (the file and the action are the caller's).
struct VerifyProblemDetail: Error {
    var offset: Int?
    var what: String
}
