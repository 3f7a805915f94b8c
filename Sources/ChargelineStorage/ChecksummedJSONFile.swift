import ChargelineCore
import Foundation

/// A small JSON document with a magic, a version and a CRC-32C, replaced atomically: the
/// format of `MANIFEST` and `ROLLUPS` (docs/format/manifest.md).
///
/// ```
/// ┌──────────────┬───────────────┬─────────┬──────────────┬───────────┬─────────────────────┐
/// │ magic <4>    │ version <u16> │ 0 <u16> │ length <u32> │ crc <u32> │ JSON <length bytes> │
/// └──────────────┴───────────────┴─────────┴──────────────┴───────────┴─────────────────────┘
/// ```
/// Written to `<name>.tmp`, `fdatasync`ed, renamed over `<name>`, and the folder synced, so a
/// crash leaves either the old or the new document. Shared (`package`) with the modules that
/// keep small state files beside the data (users of `ChargelineAuth`, alert states of `ChargelineAlerts`).
package struct ChecksummedJSONFile {
    package let magic: [UInt8]
    package let version: UInt16
    package let what: String
    /// What to do when the file is damaged.
    package var remedy = "restore it from a backup"

    /// A file kind: its 4-byte `magic`, the `version` this build reads and writes, `what` it
    /// is (for errors) and the `remedy` an error suggests when it is damaged.
    package init(magic: [UInt8], version: UInt16, what: String, remedy: String = "restore it from a backup") {
        precondition(magic.count == 4, "BUG: a checksummed file's magic is 4 bytes")
        self.magic = magic
        self.version = version
        self.what = what
        self.remedy = remedy
    }

    /// Reads and decodes `directory/name`, or nil when the file does not exist.
    package func load<T: Decodable>(_ type: T.Type, directory: String, name: String) throws -> T? {
        let path = directory + "/" + name
        guard FileIO.fileSize(path) != nil else { return nil }
        let bytes = try FileIO.readAll(path)
        guard bytes.count >= 16, Array(bytes[0..<4]) == magic else {
            throw ChargelineError(.corruption, "\(path): not a Chargeline \(what) (bad magic); \(remedy)")
        }
        let (v, length, crc) = bytes.withUnsafeBytes { ($0.loadLE(UInt16.self, at: 4), Int($0.loadLE(UInt32.self, at: 8)), $0.loadLE(UInt32.self, at: 12)) }
        guard v == version else {
            throw ChargelineError(.corruption, "\(path): \(what) version \(v) is not supported by this build (expects \(version))")
        }
        guard bytes.count == 16 + length else {
            throw ChargelineError(.corruption, "\(path): \(what) length \(length) does not match the file (\(bytes.count - 16) bytes after the header); \(remedy)")
        }
        let json = Array(bytes[16...])
        guard CRC32C.checksum(json) == crc else {
            throw ChargelineError(.corruption, "\(path): \(what) checksum mismatch; \(remedy)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(json))
        } catch {
            throw ChargelineError(.corruption, "\(path): \(what) JSON does not decode; \(remedy)", cause: error)
        }
    }

    /// Encodes `value` and replaces `directory/name` atomically.
    package func store<T: Encodable>(_ value: T, directory: String, name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = Array(try encoder.encode(value))
        var out = magic
        withUnsafeBytes(of: version.littleEndian) { out.append(contentsOf: $0) }
        out += [0, 0]
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: CRC32C.checksum(json).littleEndian) { out.append(contentsOf: $0) }
        out += json
        let temp = directory + "/" + name + FileNames.tempSuffix
        let fd = try FileIO.open(temp, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try FileIO.writeAll(fd, out, path: temp)
            try FileIO.sync(fd, path: temp)
        } catch {
            FileIO.close(fd)
            throw error
        }
        FileIO.close(fd)
        try FileIO.rename(temp, directory + "/" + name)
        try FileIO.syncDirectory(directory)
    }
}
