#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a running chargeline holds a data directory (its `DATA/LOCK`), asked without
/// taking the lock for longer than the question.
enum DataDirectoryLock {
    static func isHeld(_ directory: String) -> Bool {
        let fd = open(directory + "/LOCK", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 { return true }
        _ = flock(fd, LOCK_UN)
        return false
    }
}
