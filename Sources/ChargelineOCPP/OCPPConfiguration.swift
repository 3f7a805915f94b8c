public import ChargelineFrontEnd

/// Everything the OCPP 1.6J front-end needs. Used by `serve --ocpp` (in process) and by
/// `chargeline gateway --ocpp`.
public struct OCPPConfiguration: Sendable {
    /// What BootNotification answers a charge point missing from the registry.
    public enum UnknownChargePoints: String, Sendable, CaseIterable {
        /// Accepted, its telemetry tagged `station=unregistered`.
        case accept
        /// Pending: it keeps its connection but may send nothing but BootNotification until registered.
        case pending
        /// Rejected: BootNotification answered `Rejected`, every other CALL a SecurityError.
        case reject
    }

    /// Where charge points connect: `ws://HOST:PORT/ocpp/{chargePointId}`. Default port 8767.
    public var endpoint: NetworkEndpoint
    /// SO_REUSEPORT, so several gateway processes share the port. Default true.
    public var reusePort: Bool
    /// The registry CSV every protocol shares (`YKCPileRegistry`); `nil` = none.
    public var registryPath: String?
    /// Unknown charge points. Default: accept without a registry, reject with one.
    public var unknownChargePoints: UnknownChargePoints
    /// How often the registry's modification time is checked. Default 5 s.
    public var registryPollSeconds: Int
    /// Database the telemetry goes to. Default `chargeline`, the one YKC writes to.
    public var database: String
    /// The heartbeat interval answered to an accepted BootNotification, seconds. Default 60.
    public var heartbeatIntervalSeconds: Int
    /// The retry interval answered with Pending or Rejected, seconds. Default 300.
    public var retryIntervalSeconds: Int
    /// Largest WebSocket message, in bytes, after reassembling fragments: a larger frame is
    /// answered with close code 1009 (message too big). Default 64 KiB: a MeterValues of a
    /// few hundred sampled values is about 40 KiB.
    public var maxMessageBytes: Int
    /// Directory of the transaction ledger (`ocpp-transactions.log`).
    public var stateDirectory: String
    /// Transaction ids handed out here are congruent to `transactionIDOffset` modulo
    /// `transactionIDStride` (gateway processes sharing a port). Default 1 and 0.
    public var transactionIDStride: Int
    public var transactionIDOffset: Int
    /// After an accepted BootNotification, `ChangeConfiguration` of these keys in this order
    /// (e.g. `MeterValueSampleInterval` = `15`). Default none.
    public var configurationAfterBoot: [(key: String, value: String)]
    /// A CALL this side sends is given up after this long. Default 30 s (the `ocpp` package's default too).
    public var callTimeoutSeconds: Int
    /// A connection with no message for this long is closed. Default 3 heartbeat intervals + 30 s.
    public var idleTimeoutSeconds: Int
    /// Refuse a registered charge point that has no password in the registry (security profile 1
    /// for every charge point). Default false: a password is checked when the registry has one.
    public var requirePassword: Bool
    /// Telemetry is handed to the sink at least this often. Default 100 ms.
    public var flushMilliseconds: Int
    /// Points waiting for a slow sink are capped at this many bytes. Default 64 MiB.
    public var maxBufferedBytes: Int
    /// Event-loop threads; `nil` = one per core.
    public var threads: Int?
    /// The server certificate and key for `wss://` (security profile 2) when `ServerTLS.listeners`
    /// contains `.ocpp`; nil or without it: `ws://`. Not in the initializer: set it on the value.
    public var tls: ServerTLS? = nil

    /// `wss` when charge points connect over TLS, else `ws`.
    public var scheme: String { tls?.covers(.ocpp) == true ? "wss" : "ws" }

    /// `pile_state` telemetry and heartbeat activity is written at most once per this many
    /// seconds per charge point while it keeps coming, and once more when it stops (as YKC's).
    /// Default 60 s.
    public var stateSampleSeconds = 60

    /// A configuration with the documented defaults.
    public init(endpoint: NetworkEndpoint = .init(host: "127.0.0.1", port: 8767), reusePort: Bool = true,
                registryPath: String? = nil, unknownChargePoints: UnknownChargePoints? = nil, registryPollSeconds: Int = 5,
                database: String = "chargeline", heartbeatIntervalSeconds: Int = 60, retryIntervalSeconds: Int = 300,
                maxMessageBytes: Int = 64 << 10, stateDirectory: String, transactionIDStride: Int = 1,
                transactionIDOffset: Int = 0, configurationAfterBoot: [(key: String, value: String)] = [],
                callTimeoutSeconds: Int = 30, idleTimeoutSeconds: Int? = nil, requirePassword: Bool = false,
                flushMilliseconds: Int = 100, maxBufferedBytes: Int = 64 << 20, threads: Int? = nil) {
        self.endpoint = endpoint
        self.reusePort = reusePort
        self.registryPath = registryPath
        self.unknownChargePoints = unknownChargePoints ?? (registryPath == nil ? .accept : .reject)
        self.registryPollSeconds = registryPollSeconds
        self.database = database
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.retryIntervalSeconds = retryIntervalSeconds
        self.maxMessageBytes = maxMessageBytes
        self.stateDirectory = stateDirectory
        self.transactionIDStride = transactionIDStride
        self.transactionIDOffset = transactionIDOffset
        self.configurationAfterBoot = configurationAfterBoot
        self.callTimeoutSeconds = callTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds ?? (3 * heartbeatIntervalSeconds + 30)
        self.requirePassword = requirePassword
        self.flushMilliseconds = flushMilliseconds
        self.maxBufferedBytes = maxBufferedBytes
        self.threads = threads
    }
}
