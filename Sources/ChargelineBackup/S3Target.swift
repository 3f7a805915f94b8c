#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import NIOCore

/// A backup target in an S3-compatible bucket under `prefix/`. A PUT makes an object visible
/// only whole, so a key only ever names a whole object.
package struct S3Target: BackupTarget {
    package let client: S3Client
    /// Without leading or trailing slashes; empty: the bucket's root.
    package let prefix: String
    /// Part size of multipart uploads; a file of more than two parts goes as one.
    package let partSize: Int

    package init(client: S3Client, prefix: String, partSize: Int = S3Client.partSize) {
        self.client = client
        self.prefix = prefix
        self.partSize = partSize
    }

    package var description: String { client.description + (prefix.isEmpty ? "" : "/" + prefix) }
    /// A single PUT Object takes at most 5 GiB.
    package var maxObjectSize: Int64 { 5 << 30 }

    package func close() async {
        await client.shutdown()
    }

    private func full(_ key: String) -> String { prefix.isEmpty ? key : prefix + "/" + key }

    package func list(prefix keyPrefix: String) async throws -> [String: Int64] {
        let strip = prefix.isEmpty ? 0 : prefix.count + 1
        var out: [String: Int64] = [:]
        for (key, size) in try await client.listObjects(prefix: full(keyPrefix)) {
            out[String(key.dropFirst(strip))] = size
        }
        return out
    }

    package func upload(file path: String, size: Int64, sha256: String, as key: String) async throws {
        guard size <= maxObjectSize else {
            throw BackupError("\(path) is \(size) bytes, over the 5 GiB a single S3 PUT takes; compact with smaller partitions or back up to a directory")
        }
        if size > 2 * Int64(partSize) {
            // Parts in flight at once over their own connections: one large segment is not
            // bound by a single TCP stream.
            try await client.putObjectMultipart(full(key), file: path, size: size, partSize: partSize,
                                                concurrency: S3Client.partsInFlight)
            return
        }
        // S3 checks the body against the signed SHA-256 and refuses a file that changed.
        try await client.putObject(full(key), body: .stream(FileChunks(path: path), length: .known(size)), length: size, sha256: sha256)
    }

    package func put(_ bytes: [UInt8], as key: String) async throws {
        let sha = SigV4Signer.hex(SHA256.hash(data: bytes))
        try await client.putObject(full(key), body: .bytes(ByteBuffer(bytes: bytes)), length: Int64(bytes.count), sha256: sha)
    }

    package func download(_ key: String, to path: String) async throws -> (size: Int64, sha256: String) {
        let response = try await client.getObject(full(key))
        let fd = try LocalFile.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        defer { LocalFile.close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        for try await chunk in response.body {
            try chunk.withUnsafeReadableBytes { raw in
                hasher.update(bufferPointer: raw)
                try LocalFile.writeAll(fd, raw, path: path)
            }
            size += Int64(chunk.readableBytes)
        }
        return (size, SigV4Signer.hex(hasher.finalize()))
    }

    package func get(_ key: String) async throws -> [UInt8] {
        let response = try await client.getObject(full(key))
        let body = try await response.body.collect(upTo: 1 << 30)
        return Array(buffer: body)
    }
}
