public import ChargelineFrontEnd
public import ChargelineIngest

/// Everything the YKC front-end needs: where to listen, the pile registry, the billing model
/// and its timers. Used by `serve --ykc` (in process) and by `chargeline gateway`.
public struct YKCConfiguration: Sendable {
    /// What to do with a pile whose code is not in the registry (the type every front-end
    /// shares with the pile directory; this name is kept for YKC's callers).
    public typealias UnknownPiles = ChargelineFrontEnd.UnknownPiles

    /// Where piles connect. Default port 8768, the YKC test platform's.
    public var endpoint: NetworkEndpoint
    /// Set SO_REUSEPORT so several gateway processes share the port (the kernel spreads new
    /// connections across them). Default true.
    public var reusePort: Bool
    /// Pile registry CSV (see `YKCPileRegistry`); `nil` = no registry.
    public var registryPath: String?
    /// Unknown piles: rejected or accepted and tagged. Default: accept when there is no
    /// registry, reject when there is one.
    public var unknownPiles: UnknownPiles
    /// How often the registry file's modification time is checked (a changed file is
    /// reloaded; SIGHUP reloads at once). Default 5 s.
    public var registryPollSeconds: Int
    /// The billing model answered to 0x05/0x09.
    public var billingModel: YKCBillingModel
    /// Database the telemetry goes to. Default `chargeline`, the line-protocol TCP default,
    /// so YKC and line-protocol piles land side by side.
    public var database: String
    /// A logged-in pile silent this long is disconnected: three missed 10 s heartbeats.
    public var heartbeatTimeoutSeconds: Int
    /// A connection that has not logged in after this long is closed. Default 30 s.
    public var loginTimeoutSeconds: Int
    /// The piles' clock, seconds east of UTC, for CP56Time2a times in 0x3B. Default +8 h
    /// (China Standard Time: YKC piles run on Beijing time).
    public var pileUTCOffsetSeconds: Int
    /// Telemetry is handed to the sink at least this often. Default 100 ms: a few hundred
    /// points per batch at 100,000 piles, small enough that points are visible quickly.
    public var flushMilliseconds: Int
    /// Decoded points waiting for a slow sink are capped at this many bytes; beyond it new
    /// points are dropped and counted (a gateway's spool never gets there). Default 64 MiB.
    public var maxBufferedBytes: Int
    /// Event-loop threads; `nil` = one per core.
    public var threads: Int?
    /// The certificate and key when piles connect over TLS (`ServerTLS.listeners` contains
    /// `.ykc`); nil or without `.ykc`: plain TCP, what most piles speak. Not in the initializer.
    public var tls: ServerTLS? = nil
    /// Bad frames from one connection logged in full before logging only every 100th.
    public var badFrameLogLimit: Int
    /// `pile_state` records a pile's telemetry and heartbeat activity at most once per this
    /// many seconds while frames keep coming, plus once, stamped with the last frame, when they
    /// stop (docs/schema.md). Default 60 s: a minute is finer than any silence worth an alarm,
    /// and 20,000 piles then add about 700 points a second, not one per frame.
    public var stateSampleSeconds: Int

    /// A configuration with the documented defaults.
    public init(endpoint: NetworkEndpoint = .init(host: "127.0.0.1", port: 8768), reusePort: Bool = true,
                registryPath: String? = nil, unknownPiles: UnknownPiles? = nil, registryPollSeconds: Int = 5,
                billingModel: YKCBillingModel = .standard, database: String = "chargeline",
                heartbeatTimeoutSeconds: Int = 30, loginTimeoutSeconds: Int = 30, pileUTCOffsetSeconds: Int = 8 * 3600,
                flushMilliseconds: Int = 100, maxBufferedBytes: Int = 64 << 20, threads: Int? = nil,
                badFrameLogLimit: Int = 20, stateSampleSeconds: Int = 60) {
        self.endpoint = endpoint
        self.reusePort = reusePort
        self.registryPath = registryPath
        self.unknownPiles = unknownPiles ?? (registryPath == nil ? .accept : .reject)
        self.registryPollSeconds = registryPollSeconds
        self.billingModel = billingModel
        self.database = database
        self.heartbeatTimeoutSeconds = heartbeatTimeoutSeconds
        self.loginTimeoutSeconds = loginTimeoutSeconds
        self.pileUTCOffsetSeconds = pileUTCOffsetSeconds
        self.flushMilliseconds = flushMilliseconds
        self.maxBufferedBytes = maxBufferedBytes
        self.threads = threads
        self.badFrameLogLimit = badFrameLogLimit
        self.stateSampleSeconds = stateSampleSeconds
    }
}
