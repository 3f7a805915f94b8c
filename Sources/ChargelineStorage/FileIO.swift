#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ChargelineCore

/// Thin, throwing wrappers over POSIX file calls. Every error names the path and the call.
package enum FileIO {
    /// Opens `path` with `flags`, creating it with mode 0644 when `O_CREAT` is set.
    package static func open(_ path: String, _ flags: Int32) throws -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw error("open", path) }
        return fd
    }

    /// Writes all of `bytes` at the current position.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
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

    /// Writes all of `bytes` at the current position.
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    /// Writes `bytes` as the file `path` durably: to a temporary file, synced, renamed over
    /// `path`, and the folder synced.
    package static func writeFileDurably(_ path: String, _ bytes: ArraySlice<UInt8>) throws {
        let temp = path + ".tmp"
        let fd = try open(temp, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try bytes.withUnsafeBytes { try writeAll(fd, $0, path: temp) }
            try sync(fd, path: temp)
        } catch {
            close(fd)
            try? remove(temp)
            throw error
        }
        close(fd)
        try rename(temp, path)
        let slash = path.lastIndex(of: "/")
        try syncDirectory(slash.map { String(path[..<$0]) } ?? ".")
    }

    /// Reads exactly `count` bytes at `offset` into a new array.
    package static func pread(_ fd: Int32, offset: Int, count: Int, path: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { try pread(fd, offset: offset, into: $0, path: path) }
        return out
    }

    /// Calls `body` with `count` bytes of the file from `offset`, mapped read-only (unmapped
    /// when `body` returns). For large reads that are consumed once (a segment's index: ~20 MB
    /// compressed for a rollup day): the page cache's pages are mapped instead of copied into
    /// fresh memory that the kernel zeroes first. The range must lie inside the file (the
    /// caller checked it against the file size; segments are never truncated in place). A file
    /// truncated or unreadable underneath the mapping (outside damage, e.g. `cp` over an open
    /// segment) raises SIGBUS here where `pread` would have thrown: accepted for the index
    /// load only, since Chargeline itself never rewrites a segment file.
    package static func withMappedBytes<T>(_ fd: Int32, offset: Int, count: Int, path: String,
                                           _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard count > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset - offset % page
        let length = count + (offset - start)
        guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(start)), base != MAP_FAILED else {
            // A file system that cannot map files: read the bytes instead (same result).
            return try pread(fd, offset: offset, count: count, path: path).withUnsafeBytes { try body($0) }
        }
        defer { munmap(base, length) }
        return try body(UnsafeRawBufferPointer(start: base + (offset - start), count: count))
    }

    /// Asks the kernel to back the 2 MiB-aligned part of `buffer` with huge pages (a hint;
    /// ignored where transparent huge pages are off). For a large buffer about to be written
    /// once in full (a decompressed segment index, ~60 MB for a rollup day): one page fault
    /// per 2 MiB instead of per 4 KiB.
    package static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count >= 4 << 20 else { return }
        let huge = 2 << 20
        let lo = (Int(bitPattern: base) + huge - 1) / huge * huge
        let hi = (Int(bitPattern: base) + buffer.count) / huge * huge
        guard hi > lo, let p = UnsafeMutableRawPointer(bitPattern: lo) else { return }
        #if os(Linux)
        _ = madvise(p, hi - lo, 14)  // MADV_HUGEPAGE in <bits/mman-linux.h>
        #endif
    }

    /// Fills `buffer` with the file's bytes from `offset` (the caller's buffer, so a reader can
    /// reuse one across reads).
    package static func pread(_ fd: Int32, offset: Int, into buffer: UnsafeMutableRawBufferPointer, path: String) throws {
        let count = buffer.count
        var done = 0
        while done < count {
            let n = Glibc.pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw error("pread", path)
            }
            if n == 0 {
                throw ChargelineError(.corruption, "\(path): unexpected end of file at byte \(offset + done) (wanted \(count) bytes at \(offset)); the file is truncated: restore it or remove it from the manifest")
            }
            done += n
        }
    }

    /// Reads a whole file.
    package static func readAll(_ path: String) throws -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { Glibc.close(fd) }
        let size = try fileSize(fd, path: path)
        return try pread(fd, offset: 0, count: size, path: path)
    }

    /// The size of an open file.
    package static func fileSize(_ fd: Int32, path: String) throws -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw error("fstat", path) }
        return Int(st.st_size)
    }

    /// The size of a file by path, or nil when it does not exist.
    package static func fileSize(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    /// `fdatasync`: the file's data (and the size) reach the disk.
    package static func sync(_ fd: Int32, path: String) throws {
        guard fdatasync(fd) == 0 else { throw error("fdatasync", path) }
    }

    /// Syncs a directory so that created, renamed and removed names in it are durable.
    package static func syncDirectory(_ path: String) throws {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw error("open directory", path) }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw error("fsync directory", path) }
    }

    /// Creates a directory and its parents (like `mkdir -p`), syncing each parent that gained
    /// an entry.
    package static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            let parent = current.isEmpty ? "/" : current
            current += "/" + part
            if mkdir(current, 0o755) == 0 {
                // A new name is durable only once its parent directory is synced.
                try syncDirectory(parent)
            } else if errno != EEXIST {
                throw error("mkdir", current)
            }
        }
    }

    /// Names in a directory (not `.`/`..`), or an empty list when it does not exist.
    package static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Whether `path` is an existing directory.
    package static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Atomically replaces `to` with `from`.
    package static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw error("rename to \(to)", from) }
    }

    /// Removes a file; a missing file is not an error.
    package static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw error("unlink", path) }
    }

    /// Removes an empty directory; a missing or non-empty one is left alone.
    package static func removeDirectoryIfEmpty(_ path: String) {
        _ = rmdir(path)
    }

    /// Truncates a file to `size` bytes.
    package static func truncate(_ fd: Int32, to size: Int, path: String) throws {
        guard ftruncate(fd, off_t(size)) == 0 else { throw error("ftruncate", path) }
    }

    /// Closes a descriptor, ignoring errors (used on paths that already failed or are done).
    package static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Wall-clock time in nanoseconds since the epoch.
    package static func nowNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Monotonic time in nanoseconds, for durations.
    package static func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    private static func error(_ call: String, _ path: String) -> ChargelineError {
        let code = errno
        let reason = String(cString: strerror(code))
        var hint = ""
        switch code {
        case ENOSPC: hint = "; free disk space or move the data directory"
        case EACCES, EPERM: hint = "; check the permissions of the data directory"
        case EMFILE, ENFILE: hint = "; too many open files: raise the open-file limit"
        case EROFS: hint = "; the file system is read-only"
        default: break
        }
        return ChargelineError(.io, "\(call) \(path): \(reason) (errno \(code))\(hint)")
    }
}
