import Foundation

/// A flag that stops a running query: whoever runs the query (the HTTP layer, when the
/// client disconnects) calls `cancel(reason:)`, and the operators, which check it together
/// with the deadline once per series, statement or parallel task (never per row), stop with
/// a `QueryError` of kind `.limit` that gives the reason.
///
/// Thread-safe. One per query; cancelling twice keeps the first reason.
public final class QueryCancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var why: String?
    private var checkCount = 0
    private var cancelAtCheck: (Int, String)?

    /// A flag not yet set.
    public init() {}

    /// Stops the query at its next check; `reason` ends up in the error, e.g. "the client
    /// closed the connection".
    public func cancel(reason: String) {
        lock.lock()
        if why == nil { why = reason }
        lock.unlock()
    }

    /// The reason given to `cancel`, or nil while the query may run.
    public var reason: String? {
        lock.lock()
        defer { lock.unlock() }
        return why
    }

    /// How often operators have checked the flag so far.
    package var checks: Int {
        lock.lock()
        defer { lock.unlock() }
        return checkCount
    }

    /// For tests: cancels with `reason` at the `n`th check, so a test stops a query at a known
    /// point of its work without relying on timing.
    package func cancel(atCheck n: Int, reason: String) {
        lock.lock()
        cancelAtCheck = (n, reason)
        lock.unlock()
    }

    /// Counts one check; the reason when the query must stop.
    func check() -> String? {
        lock.lock()
        defer { lock.unlock() }
        checkCount += 1
        if why == nil, let (n, r) = cancelAtCheck, checkCount >= n { why = r }
        return why
    }
}
