/// Where backups go: a directory or an S3-compatible bucket. Keys are `/`-separated paths
/// relative to the target's root (its folder, or `s3://bucket/prefix/`).
///
/// Contract: `put` and `upload` make an object visible only whole (a reader never sees a
/// partial one under its final key); objects are never modified after they are written.
/// Thread-safe: a backup runs several uploads at once.
package protocol BackupTarget: Sendable {
    /// `s3://bucket/prefix` or the folder, for messages.
    var description: String { get }
    /// The largest object it stores (S3's single PUT takes at most 5 GiB).
    var maxObjectSize: Int64 { get }
    /// Every key under `prefix` (a key prefix such as `objects/`) with its size.
    func list(prefix: String) async throws -> [String: Int64]
    /// Stores the file at `path` (`size` bytes, SHA-256 `sha256` in hex) as `key`.
    func upload(file path: String, size: Int64, sha256: String, as key: String) async throws
    /// Stores `bytes` as `key`.
    func put(_ bytes: [UInt8], as key: String) async throws
    /// Writes the object `key` to the file `path` (replacing it), returning its size and
    /// SHA-256 (hex) as read.
    func download(_ key: String, to path: String) async throws -> (size: Int64, sha256: String)
    /// The bytes of the object `key` (small objects: backup manifests).
    func get(_ key: String) async throws -> [UInt8]
    /// Releases connections; call once when done.
    func close() async
}

/// Parses a `--to`/`--from` argument into a target.
package enum BackupTargets {
    /// `s3://bucket/prefix` (endpoint and credentials from `configuration`, else from the
    /// environment with `fallback` for what it lacks), else a directory.
    /// `partSize`: the part size of S3 multipart uploads (a file of more than two parts is
    /// sent as one).
    package static func parse(_ text: String, s3 configuration: S3Configuration? = nil,
                              fallback: [String: String] = [:], partSize: Int = S3Client.partSize) throws -> any BackupTarget {
        if text.hasPrefix("s3://") {
            let rest = text.dropFirst("s3://".count)
            let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let bucket = parts.first, !bucket.isEmpty else {
                throw BackupError("\(text): no bucket; use s3://bucket/prefix")
            }
            var prefix = parts.count > 1 ? String(parts[1]) : ""
            while prefix.hasSuffix("/") { prefix.removeLast() }
            let config = try configuration ?? S3Configuration.fromEnvironment(fallback: fallback)
            return S3Target(client: S3Client(configuration: config, bucket: String(bucket)), prefix: prefix, partSize: partSize)
        }
        guard !text.isEmpty else { throw BackupError("empty backup target; pass a directory or s3://bucket/prefix") }
        return DirectoryTarget(root: text)
    }
}
