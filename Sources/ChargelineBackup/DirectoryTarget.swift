#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto

/// A backup target that is a folder (another disk, an NFS mount). Objects are files under
/// it; each is written to `<key>.part` and renamed, so a key only ever names a whole object.
package struct DirectoryTarget: BackupTarget {
    package let root: String

    package init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    package var description: String { root }
    package var maxObjectSize: Int64 { .max }

    package func list(prefix: String) async throws -> [String: Int64] {
        guard fileExists(root) else { return [:] }
        // Keys are folder paths; list the folder part of the prefix.
        let folder = prefix.split(separator: "/").dropLast(prefix.hasSuffix("/") ? 0 : 1).joined(separator: "/")
        guard fileExists(root + "/" + folder) else { return [:] }
        var out: [String: Int64] = [:]
        for entry in try LocalFile.walk(root + "/" + folder) {
            let key = folder.isEmpty ? entry.path : folder + "/" + entry.path
            if key.hasPrefix(prefix) && !key.hasSuffix(".part") { out[key] = entry.size }
        }
        return out
    }

    package func upload(file path: String, size: Int64, sha256: String, as key: String) async throws {
        let to = root + "/" + key
        try prepare(to)
        let input = try LocalFile.open(path, O_RDONLY)
        defer { LocalFile.close(input) }
        let output = try LocalFile.open(to + ".part", O_WRONLY | O_CREAT | O_TRUNC)
        var hasher = SHA256()
        var copied: Int64 = 0
        do {
            defer { LocalFile.close(output) }
            var buffer = [UInt8](repeating: 0, count: LocalFile.chunkSize)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try LocalFile.read(input, into: $0, path: path) }
                if n == 0 { break }
                try buffer.withUnsafeBytes { raw in
                    let chunk = UnsafeRawBufferPointer(rebasing: raw[..<n])
                    hasher.update(bufferPointer: chunk)
                    try LocalFile.writeAll(output, chunk, path: to + ".part")
                }
                copied += Int64(n)
            }
            guard fsync(output) == 0 else { throw LocalFile.error("fsync", to + ".part") }
        }
        let digest = SigV4Signer.hex(hasher.finalize())
        guard copied == size, digest == sha256 else {
            unlink(to + ".part")
            throw BackupError("\(path) changed while it was backed up (\(copied) bytes, SHA-256 \(digest); expected \(size), \(sha256)); take a new snapshot")
        }
        try LocalFile.rename(to + ".part", to)
    }

    package func put(_ bytes: [UInt8], as key: String) async throws {
        let to = root + "/" + key
        try prepare(to)
        let fd = try LocalFile.open(to + ".part", O_WRONLY | O_CREAT | O_TRUNC)
        do {
            defer { LocalFile.close(fd) }
            try bytes.withUnsafeBytes { try LocalFile.writeAll(fd, $0, path: to + ".part") }
            guard fsync(fd) == 0 else { throw LocalFile.error("fsync", to + ".part") }
        }
        try LocalFile.rename(to + ".part", to)
    }

    package func download(_ key: String, to path: String) async throws -> (size: Int64, sha256: String) {
        let from = root + "/" + key
        guard fileExists(from) else { throw BackupError("\(from): missing from the backup target") }
        let input = try LocalFile.open(from, O_RDONLY)
        defer { LocalFile.close(input) }
        let output = try LocalFile.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        defer { LocalFile.close(output) }
        var hasher = SHA256()
        var size: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: LocalFile.chunkSize)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try LocalFile.read(input, into: $0, path: from) }
            if n == 0 { break }
            try buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[..<n])
                hasher.update(bufferPointer: chunk)
                try LocalFile.writeAll(output, chunk, path: path)
            }
            size += Int64(n)
        }
        return (size, SigV4Signer.hex(hasher.finalize()))
    }

    package func get(_ key: String) async throws -> [UInt8] {
        let from = root + "/" + key
        guard let size = LocalFile.fileSize(from) else { throw BackupError("\(from): missing from the backup target") }
        let fd = try LocalFile.open(from, O_RDONLY)
        defer { LocalFile.close(fd) }
        var out = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < out.count {
            let n = try out.withUnsafeMutableBytes { try LocalFile.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: $0[done...]), path: from) }
            if n == 0 { break }
            done += n
        }
        return Array(out[..<done])
    }

    package func close() async {}

    private func prepare(_ path: String) throws {
        if let slash = path.lastIndex(of: "/") { try LocalFile.makeDirectories(String(path[..<slash])) }
    }

    private func fileExists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}
