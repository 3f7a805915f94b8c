import Foundation

/// What one backup did.
package struct BackupSummary: Sendable {
    package var id: String
    /// Files in the backup and their total size.
    package var files: Int
    package var bytes: Int64
    /// Objects this run uploaded (the rest were in the target already) and their size.
    package var uploadedFiles: Int
    package var uploadedBytes: Int64
    /// Files read to compute their checksum (the rest reused the previous backup's).
    package var hashedFiles: Int
    /// The backup this one was compared with, if any.
    package var previous: String?
    package var seconds: Double
}

/// Uploads a folder (a store snapshot) to a target as one backup, incrementally.
///
/// Layout in the target (docs/format.md, "Backups"): `objects/<sha256>` holds file contents,
/// named by checksum, so an unchanged file (an immutable segment) is stored once however many
/// backups name it, and an object is never overwritten with other bytes; `backups/<id>.json`
/// names every file of one backup with its object, and is written last.
package enum BackupUploader {
    /// Backs up every file under `folder` as backup `id`: files whose path, size and
    /// modification time equal the previous backup's reuse its checksum; objects the target
    /// already holds are not sent again; the manifest goes last. `concurrency` uploads run at
    /// once. `progress` receives each finished upload's key and size.
    package static func upload(folder: String, id: String, to target: any BackupTarget, concurrency: Int = 4,
                               progress: (@Sendable (String, Int64) -> Void)? = nil) async throws -> BackupSummary {
        let started = Date()
        guard !id.isEmpty, !id.contains("/"), !id.hasPrefix(".") else {
            throw BackupError("invalid backup id \"\(id)\": no slashes, not starting with '.'")
        }
        let local = try LocalFile.walk(folder)
        for file in local where file.size > target.maxObjectSize {
            throw BackupError("\(folder)/\(file.path) is \(file.size) bytes, over the \(target.maxObjectSize) bytes \(target.description) takes in one object")
        }
        let existingBackups = try await target.list(prefix: BackupManifest.folder)
        if existingBackups[BackupManifest.key(id: id)] != nil {
            throw BackupError("\(target.description) already holds a backup \(id); take a new snapshot")
        }
        let previousID = BackupRestorer.ids(existingBackups).last
        var known: [String: BackupManifest.File] = [:]
        if let previousID {
            let key = BackupManifest.key(id: previousID)
            for f in try BackupManifest.decode(try await target.get(key), key: key).files { known[f.path] = f }
        }
        let stored = try await target.list(prefix: BackupManifest.objects)

        // One task per file, largest first (the longest upload starts first, so the last to
        // finish is a small one): its checksum (reused when the file is unchanged since the
        // previous backup, else read), then its upload if the target lacks that content. A
        // file is uploaded while others are still being read, so reading and sending overlap.
        var files: [BackupManifest.File] = local.map { BackupManifest.File(path: $0.path, size: $0.size, sha256: "", mtime: $0.mtime) }
        var toHash = Set<Int>()
        for (i, f) in files.enumerated() {
            if let k = known[f.path], k.size == f.size, k.mtime == f.mtime { files[i].sha256 = k.sha256 } else { toHash.insert(i) }
        }
        let paths = files.map { folder + "/" + $0.path }
        let order = files.indices.sorted { files[$0].size != files[$1].size ? files[$0].size > files[$1].size : $0 < $1 }
        let described = files, hashing = toHash
        // Contents claimed for upload by this run: two files with the same bytes upload once.
        let claimed = ClaimSet()
        let results = try await map(order, concurrency: concurrency) { i -> (index: Int, sha256: String, sent: Int64?) in
            let f = described[i]
            let sha = hashing.contains(i) ? try LocalFile.sha256(paths[i]) : f.sha256
            let key = BackupManifest.objectKey(sha256: sha)
            guard stored[key] != f.size, claimed.claim(sha) else { return (i, sha, nil) }
            try await target.upload(file: paths[i], size: f.size, sha256: sha, as: key)
            progress?(key, f.size)
            return (i, sha, f.size)
        }
        var uploads = 0
        var sent: [Int64] = []
        for r in results {
            files[r.index].sha256 = r.sha256
            if let n = r.sent { uploads += 1; sent.append(n) }
        }
        let total = files.reduce(Int64(0)) { $0 + $1.size }
        let manifest = BackupManifest(format: BackupManifest.formatName, version: BackupManifest.currentVersion, id: id,
                                      created: ISO8601DateFormatter().string(from: Date()), bytes: total, files: files)
        try await target.put(try manifest.encoded(), as: BackupManifest.key(id: id))
        return BackupSummary(id: id, files: files.count, bytes: total, uploadedFiles: uploads,
                             uploadedBytes: sent.reduce(0, +), hashedFiles: toHash.count, previous: previousID,
                             seconds: Date().timeIntervalSince(started))
    }

    /// The checksums one backup run has started uploading. Thread-safe.
    final class ClaimSet: @unchecked Sendable {
        private let lock = NSLock()
        private var claimed = Set<String>()
        /// Whether `sha256` was not claimed before (and now is).
        func claim(_ sha256: String) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            return claimed.insert(sha256).inserted
        }
    }

    /// `body` over `items` with at most `concurrency` running at once; results in any order.
    static func map<T: Sendable, R: Sendable>(_ items: [T], concurrency: Int,
                                              _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R] {
        try await withThrowingTaskGroup(of: R.self) { group in
            var out: [R] = []
            var next = items.makeIterator()
            for _ in 0..<max(1, concurrency) {
                guard let item = next.next() else { break }
                group.addTask { try await body(item) }
            }
            while let r = try await group.next() {
                out.append(r)
                if let item = next.next() { group.addTask { try await body(item) } }
            }
            return out
        }
    }
}
