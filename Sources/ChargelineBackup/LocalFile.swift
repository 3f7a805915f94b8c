#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import NIOCore

/// POSIX file helpers for backups: walking a tree, hashing, reading in chunks, writing.
enum LocalFile {
    /// Read and write unit: 1 MiB, large enough that per-call costs vanish next to copying.
    static let chunkSize = 1 << 20

    struct Entry {
        var path: String
        var size: Int64
        /// Modification time (ns since the epoch): hard links share it, so an unchanged
        /// segment file keeps it from snapshot to snapshot.
        var mtime: Int64
    }

    /// Every regular file under `root`, paths relative to it, sorted.
    static func walk(_ root: String) throws -> [Entry] {
        var out: [Entry] = []
        func visit(_ relative: String) throws {
            let full = relative.isEmpty ? root : root + "/" + relative
            guard let dir = opendir(full) else { throw error("opendir", full) }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name == "." || name == ".." { continue }
                let rel = relative.isEmpty ? name : relative + "/" + name
                var st = stat()
                guard lstat(root + "/" + rel, &st) == 0 else { throw error("stat", root + "/" + rel) }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: try visit(rel)
                case S_IFREG:
                    out.append(Entry(path: rel, size: Int64(st.st_size),
                                     mtime: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)))
                default: break
                }
            }
        }
        try visit("")
        return out.sorted { $0.path < $1.path }
    }

    /// SHA-256 (hex) of the file at `path`.
    static func sha256(_ path: String) throws -> String {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try read(fd, into: $0, path: path) }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        }
        return SigV4Signer.hex(hasher.finalize())
    }

    static func open(_ path: String, _ flags: Int32) throws -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw error("open", path) }
        return fd
    }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Reads up to `buffer.count` bytes; 0 at the end.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw error("read", path) }
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw error("write", path)
            }
            done += n
        }
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST { throw error("mkdir", current) }
        }
    }

    static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw error("rename to \(to)", from) }
    }

    static func fileSize(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    static func error(_ call: String, _ path: String) -> BackupError {
        BackupError("\(call) \(path): \(String(cString: strerror(errno)))")
    }
}

/// A file's bytes as an async sequence of 1 MiB buffers, read as the consumer (an HTTP
/// upload) asks for them: back-pressure for free, one buffer in flight.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String

    struct AsyncIterator: AsyncIteratorProtocol {
        let path: String
        var fd: Int32 = -1
        var done = false

        mutating func next() async throws -> ByteBuffer? {
            if done { return nil }
            if fd < 0 { fd = try LocalFile.open(path, O_RDONLY) }
            var buffer = ByteBufferAllocator().buffer(capacity: LocalFile.chunkSize)
            let fd = self.fd, path = self.path
            let n = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: LocalFile.chunkSize) { raw in
                try LocalFile.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[..<LocalFile.chunkSize]), path: path)
            }
            if n == 0 {
                done = true
                LocalFile.close(fd)
                self.fd = -1
                return nil
            }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(path: path) }
}
