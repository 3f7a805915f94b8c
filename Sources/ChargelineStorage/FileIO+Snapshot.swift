#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ChargelineCore

extension FileIO {
    /// Makes `to` another name of the file `from` (a hard link), or copies it when the two
    /// paths are on different file systems or the file system has no hard links. Both names
    /// then keep the bytes alive: deleting `from` later does not affect `to`.
    package static func linkOrCopy(_ from: String, _ to: String) throws {
        if Glibc.link(from, to) == 0 { return }
        let code = errno
        guard code == EXDEV || code == EPERM || code == EMLINK || code == ENOTSUP else {
            throw ChargelineError(.io, "cannot link \(from) to \(to): \(String(cString: strerror(code)))"
                + (code == ENOENT ? " (the file was removed while the snapshot was taken; this is a bug if the manifest still lists it)" : ""))
        }
        try writeFile(to, readAll(from))
    }

    /// Creates (or replaces) `path` holding `bytes`. Not synced: snapshot files are read back
    /// right away by a backup, and a crash loses only an incomplete snapshot.
    package static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = try open(path, O_WRONLY | O_CREAT | O_TRUNC)
        defer { close(fd) }
        try writeAll(fd, bytes, path: path)
    }
}
