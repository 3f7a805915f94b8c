import Foundation

/// What one restore did.
package struct RestoreSummary: Sendable {
    package var id: String
    package var files: Int
    package var bytes: Int64
    package var seconds: Double
}

/// Downloads a backup into a folder and checks every file against its manifest.
package enum BackupRestorer {
    /// The ids of the complete backups in `target` (those whose manifest is there), oldest first.
    package static func backups(in target: any BackupTarget) async throws -> [String] {
        ids(try await target.list(prefix: BackupManifest.folder))
    }

    static func ids(_ keys: [String: Int64]) -> [String] {
        keys.keys.compactMap { key -> String? in
            guard key.hasPrefix(BackupManifest.folder), key.hasSuffix(".json") else { return nil }
            return String(key.dropFirst(BackupManifest.folder.count).dropLast(".json".count))
        }.sorted()
    }

    /// Writes every file of backup `id` (default: the latest) under `folder` (created; the
    /// caller checks it is empty) and checks each file's size and SHA-256 as it arrives.
    /// - Throws: `BackupError` naming the backup and file when an object is missing or its
    ///   bytes do not match the manifest.
    package static func restore(from target: any BackupTarget, id: String? = nil, into folder: String, concurrency: Int = 4,
                                progress: (@Sendable (String, Int64) -> Void)? = nil) async throws -> RestoreSummary {
        let started = Date()
        let available = try await backups(in: target)
        guard let chosen = id ?? available.last else {
            throw BackupError("\(target.description) holds no backup (no \(BackupManifest.folder)*.json); check the target")
        }
        guard available.contains(chosen) else {
            throw BackupError("\(target.description) has no backup \(chosen); it has: \(available.suffix(10).joined(separator: ", "))")
        }
        let key = BackupManifest.key(id: chosen)
        let manifest = try BackupManifest.decode(try await target.get(key), key: key)
        try LocalFile.makeDirectories(folder)
        for f in manifest.files {
            guard !f.path.hasPrefix("/"), !f.path.split(separator: "/").contains("..") else {
                throw BackupError("\(key): file path \(f.path) leaves the restore folder; the manifest is not Chargeline's")
            }
            if let slash = f.path.lastIndex(of: "/") { try LocalFile.makeDirectories(folder + "/" + f.path[..<slash]) }
        }
        _ = try await BackupUploader.map(manifest.files, concurrency: concurrency) { f -> Int in
            let path = folder + "/" + f.path
            let got = try await target.download(BackupManifest.objectKey(sha256: f.sha256), to: path)
            guard got.size == f.size, got.sha256 == f.sha256 else {
                throw BackupError("backup \(chosen), \(f.path): object \(BackupManifest.objectKey(sha256: f.sha256)) in \(target.description) has \(got.size) bytes with SHA-256 \(got.sha256), the manifest says \(f.size) bytes with \(f.sha256): the backup is damaged; restore an older one")
            }
            progress?(f.path, f.size)
            return 0
        }
        return RestoreSummary(id: chosen, files: manifest.files.count, bytes: manifest.bytes, seconds: Date().timeIntervalSince(started))
    }
}
