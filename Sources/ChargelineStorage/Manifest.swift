import ChargelineCore
import Foundation

/// The durable description of a database: which segment files exist, from which WAL segment
/// replay starts, the field schema. Replaced atomically (write `MANIFEST.tmp`, fsync, rename,
/// fsync the folder), so a crash leaves either the old or the new one.
///
/// ```
/// ┌───────────────┬───────────────┬─────────────┬──────────────┬──────────────┬──────────────┐
/// │ magic "CLMF"  │ version <u16> │ 0 <u16>     │ length <u32> │ crc <u32>    │ JSON <length>│
/// └───────────────┴───────────────┴─────────────┴──────────────┴──────────────┴──────────────┘
/// ```
/// `crc` is CRC-32C over the JSON bytes.
package struct Manifest: Codable, Sendable, Equatable {
    /// Partition length in ns (default one UTC day). Fixed when the database is created.
    package var partitionDuration: Int64
    /// Replay WAL segments with id >= this; older ones are covered by segment files.
    package var walReplayFrom: UInt64
    /// Next segment file id.
    package var nextSegmentID: UInt64
    /// Next data generation (see `SegmentInfo.seq`).
    package var nextSeq: UInt64
    /// Every live segment, ordered by partition then seq.
    package var segments: [SegmentInfo]
    /// Field types per measurement.
    package var schema: [String: [String: String]]

    package static let magic: [UInt8] = Array("CLMF".utf8)
    package static let version: UInt16 = 1

    package init(partitionDuration: Int64) {
        self.partitionDuration = partitionDuration
        walReplayFrom = 1
        nextSegmentID = 1
        nextSeq = 1
        segments = []
        schema = [:]
    }

    /// The schema as typed values.
    package var typedSchema: Schema {
        var s = Schema()
        for (m, fields) in schema {
            for (f, t) in fields {
                if let type = FieldType.allCases.first(where: { $0.description == t }) { s.record(f, type, in: m) }
            }
        }
        return s
    }

    package mutating func setSchema(_ s: Schema) {
        schema = s.measurements.mapValues { $0.mapValues { $0.description } }
    }

    /// Reads `directory/MANIFEST`, or nil when there is none.
    package static func load(directory: String) throws -> Manifest? {
        let path = directory + "/" + FileNames.manifest
        guard FileIO.fileSize(path) != nil else { return nil }
        let bytes = try FileIO.readAll(path)
        guard bytes.count >= 16, Array(bytes[0..<4]) == magic else {
            throw ChargelineError(.corruption, "\(path): not a Chargeline manifest (bad magic); restore it from a backup")
        }
        let (version, length, crc) = bytes.withUnsafeBytes { ($0.loadLE(UInt16.self, at: 4), Int($0.loadLE(UInt32.self, at: 8)), $0.loadLE(UInt32.self, at: 12)) }
        guard version == Manifest.version else {
            throw ChargelineError(.corruption, "\(path): manifest version \(version) is not supported by this build (expects \(Manifest.version))")
        }
        guard bytes.count == 16 + length else {
            throw ChargelineError(.corruption, "\(path): manifest length \(length) does not match the file (\(bytes.count - 16) bytes after the header)")
        }
        let json = Array(bytes[16...])
        guard CRC32C.checksum(json) == crc else {
            throw ChargelineError(.corruption, "\(path): manifest checksum mismatch; restore it from a backup")
        }
        do {
            return try JSONDecoder().decode(Manifest.self, from: Data(json))
        } catch {
            throw ChargelineError(.corruption, "\(path): manifest JSON does not decode", cause: error)
        }
    }

    /// Writes the manifest atomically into `directory`.
    package func store(directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = Array(try encoder.encode(self))
        var out = Manifest.magic
        withUnsafeBytes(of: Manifest.version.littleEndian) { out.append(contentsOf: $0) }
        out += [0, 0]
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: CRC32C.checksum(json).littleEndian) { out.append(contentsOf: $0) }
        out += json
        let temp = directory + "/" + FileNames.manifestTemp
        let fd = try FileIO.open(temp, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try FileIO.writeAll(fd, out, path: temp)
            try FileIO.sync(fd, path: temp)
        } catch {
            FileIO.close(fd)
            throw error
        }
        FileIO.close(fd)
        try FileIO.rename(temp, directory + "/" + FileNames.manifest)
        try FileIO.syncDirectory(directory)
    }
}
