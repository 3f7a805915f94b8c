import Foundation

/// Whether a gateway's storage node answers, from what its two clients see: the forwarder
/// (`POST /write`, only while there is something to send) and the session announcer
/// (`POST /ykc/sessions`, every 250 ms whatever the traffic), so a node that goes away is
/// noticed within a second or two even when the spool is idle. The latest outcome wins.
/// Thread-safe.
package final class GatewayUpstreamHealth: Sendable {
    /// What the gateway knows about its node now.
    package enum State: Equatable, Sendable {
        /// Nothing sent yet (just started).
        case unknown
        /// The node answered (a status that means it is up and takes our credentials).
        case reachable
        /// The last attempt failed: no connection, a timeout, a 5xx or a refusal of our
        /// credentials; `since` is the first failure after the last success (seconds since
        /// the epoch), `error` the latest.
        case unreachable(since: Double, error: String)
    }

    /// The node's address, for messages.
    package let upstream: String
    private let state = Locked(State.unknown)
    private let clock: @Sendable () -> Double

    /// Health of the node `upstream`, unknown until the first outcome; `clock` gives seconds
    /// since the epoch.
    package init(upstream: String, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.upstream = upstream
        self.clock = clock
    }

    /// What is known now.
    package var current: State { state.withLock { $0 } }

    /// The node answered `status`. 401 and 403 mean it is up but refuses this gateway's
    /// credentials (`--upstream-token`): nothing can be forwarded, so that counts as down.
    package func answered(status: Int) {
        if status == 401 || status == 403 {
            failed("the node refuses this gateway's credentials (HTTP \(status)); check --upstream-token")
        } else if status >= 500 {
            failed("the node answers HTTP \(status)")
        } else {
            state.withLock { $0 = .reachable }
        }
    }

    /// An attempt failed with `error` (connection refused, timeout, ...).
    package func failed(_ error: String) {
        let now = clock()
        state.withLock { s in
            if case .unreachable(let since, _) = s {
                s = .unreachable(since: since, error: error)
            } else {
                s = .unreachable(since: now, error: error)
            }
        }
    }

    /// Seconds the node has been unreachable (0 when it is not).
    package var unreachableSeconds: Double {
        if case .unreachable(let since, _) = current { return max(0, clock() - since) }
        return 0
    }
}
