import Foundation

/// The description of one backup, stored as `backups/<id>.json` in the target after every
/// object it names (docs/format.md, "Backups"): a backup exists once, and only once, its
/// manifest does, so an interrupted upload is never mistaken for a backup.
package struct BackupManifest: Codable, Sendable, Equatable {
    /// One file of the backed-up folder.
    package struct File: Codable, Sendable, Equatable {
        /// Relative to the folder, `/`-separated: `telemetry/partitions/20261120T000000Z/00000000000000000007.seg`.
        package var path: String
        package var size: Int64
        /// SHA-256 of the bytes (hex); the object's key is `objects/<sha256>`.
        package var sha256: String
        /// Modification time of the source file (ns): with `path` and `size` it lets the next
        /// backup reuse this checksum instead of reading an unchanged file again.
        package var mtime: Int64
    }

    /// Always `chargeline-backup`.
    package var format: String
    /// 1.
    package var version: Int
    /// The backup's name (the snapshot's): `20261207T051500.123Z`.
    package var id: String
    /// When the upload finished, RFC 3339 UTC.
    package var created: String
    /// Sum of the file sizes.
    package var bytes: Int64
    /// Sorted by path.
    package var files: [File]

    package static let formatName = "chargeline-backup"
    package static let currentVersion = 1
    /// Folder of the backup manifests.
    package static let folder = "backups/"
    /// Folder of the file contents, named by their SHA-256.
    package static let objects = "objects/"

    package static func key(id: String) -> String { folder + id + ".json" }
    package static func objectKey(sha256: String) -> String { objects + sha256 }

    package func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    package static func decode(_ bytes: [UInt8], key: String) throws -> BackupManifest {
        let manifest: BackupManifest
        do {
            manifest = try JSONDecoder().decode(BackupManifest.self, from: Data(bytes))
        } catch {
            throw BackupError("\(key): not a backup manifest (\(error))")
        }
        guard manifest.format == formatName, manifest.version == currentVersion else {
            throw BackupError("\(key): format \(manifest.format) version \(manifest.version); this chargeline reads \(formatName) version \(currentVersion): restore with a newer chargeline")
        }
        return manifest
    }
}
