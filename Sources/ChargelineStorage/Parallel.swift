import Foundation

/// Fork-join over the cores for reads that split into independent parts (series ranges,
/// segments): the caller's thread takes part too, and results come back in order.
enum Parallel {
    /// `body(i)` for every i in `0..<count`, run concurrently (one part per call); the results
    /// in index order. Rethrows the error of the lowest failing index after all parts ended.
    static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
        if count <= 1 { return try (0..<count).map(body) }
        let slots = Slots<T>(count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            slots.set(i, Result { try body(i) })
        }
        return try slots.results().map { try $0.get() }
    }

    /// Results written by the parts under a lock.
    private final class Slots<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Result<T, any Error>?]
        init(_ count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ r: Result<T, any Error>) { lock.lock(); values[i] = r; lock.unlock() }
        func results() -> [Result<T, any Error>] {
            lock.lock(); defer { lock.unlock() }
            return values.map { $0! }
        }
    }
}
