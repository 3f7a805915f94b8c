import Foundation

/// A value guarded by a lock, for the few pieces of state shared across event loops
/// (counters, the connection registry). `NSLock` rather than `Synchronization.Mutex` because
/// the package still supports macOS 14, and rather than NIOConcurrencyHelpers to keep the
/// target's declared dependencies as they are.
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value. Do not call back into this box from `body`.
    package func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
