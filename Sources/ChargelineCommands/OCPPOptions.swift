import ArgumentParser
import ChargelineOCPP
import ChargelineStorage

/// The OCPP 1.6J front-end's options, as `serve` takes them.
struct OCPPOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("OCPP 1.6J charge points at ws://HOST:PORT/ocpp/{chargePointId} (default port 8767); 'off' disables it.", valueName: "host:port"))
    var ocpp: String = "off"

    @Option(name: .customLong("ocpp-db"), help: "Database OCPP telemetry goes to (default: the YKC database, --ykc-db, else --lp-db).")
    var ocppDatabase: String?

    @Option(name: .customLong("ocpp-unknown"), help: "BootNotification answer for charge points missing from the registry: accept, pending or reject (default: reject with a registry, accept without).")
    var ocppUnknown: String?

    @Option(name: .customLong("ocpp-heartbeat-interval"), help: "Heartbeat interval (s) answered to an accepted BootNotification.")
    var ocppHeartbeatInterval: Int = 60

    @Option(name: .customLong("ocpp-max-message-bytes"), help: "Largest WebSocket message; larger ones are closed with 1009.")
    var ocppMaxMessageBytes: Int = 64 << 10

    @Option(name: .customLong("ocpp-sample-interval"), help: "After boot, ChangeConfiguration MeterValueSampleInterval to this many seconds (default: leave it).")
    var ocppSampleInterval: Int?

    @Option(name: .customLong("ocpp-sampled-data"), help: ArgumentHelp("After boot, ChangeConfiguration MeterValuesSampledData to this CSV list of measurands.", valueName: "measurands"))
    var ocppSampledData: String?

    @Flag(name: .customLong("ocpp-require-password"), help: "Refuse registered charge points without a password in the registry (security profile 1 for all).")
    var ocppRequirePassword = false

    @Option(name: .customLong("ocpp-id-stride"), help: .hidden)
    var ocppIDStride: Int = 1

    @Option(name: .customLong("ocpp-id-offset"), help: .hidden)
    var ocppIDOffset: Int = 0

    /// The options other than the address, as arguments (for `serve` starting gateway children).
    var arguments: [String] {
        var a = ["--ocpp-heartbeat-interval", String(ocppHeartbeatInterval), "--ocpp-max-message-bytes", String(ocppMaxMessageBytes)]
        if let ocppDatabase { a += ["--ocpp-db", ocppDatabase] }
        if let ocppUnknown { a += ["--ocpp-unknown", ocppUnknown] }
        if let ocppSampleInterval { a += ["--ocpp-sample-interval", String(ocppSampleInterval)] }
        if let ocppSampledData { a += ["--ocpp-sampled-data", ocppSampledData] }
        if ocppRequirePassword { a.append("--ocpp-require-password") }
        return a
    }

    /// The configuration, `nil` when off. `database` is the default database, `stateDirectory` the ledger's.
    func configuration(registry: String?, database: String, stateDirectory: String) throws -> OCPPConfiguration? {
        guard let endpoint = try ServeCommand.endpoint(ocpp, "--ocpp") else { return nil }
        var unknown: OCPPConfiguration.UnknownChargePoints?
        if let ocppUnknown {
            guard let u = OCPPConfiguration.UnknownChargePoints(rawValue: ocppUnknown) else {
                throw ValidationError("--ocpp-unknown takes accept, pending or reject (got \(ocppUnknown))")
            }
            unknown = u
        }
        guard (1...86_400).contains(ocppHeartbeatInterval) else { throw ValidationError("--ocpp-heartbeat-interval takes 1...86400 seconds") }
        guard (1024...(16 << 20)).contains(ocppMaxMessageBytes) else { throw ValidationError("--ocpp-max-message-bytes takes 1 KiB...16 MiB") }
        var after: [(key: String, value: String)] = []
        if let ocppSampleInterval {
            guard ocppSampleInterval >= 0 else { throw ValidationError("--ocpp-sample-interval takes seconds, 0 or more") }
            after.append(("MeterValueSampleInterval", String(ocppSampleInterval)))
        }
        if let ocppSampledData { after.append(("MeterValuesSampledData", ocppSampledData)) }
        guard ocppIDStride >= 1, (0..<ocppIDStride).contains(ocppIDOffset) else {
            throw ValidationError("--ocpp-id-offset must be in 0..<--ocpp-id-stride")
        }
        let db = ocppDatabase ?? database
        try Store.validate(databaseName: db)
        return OCPPConfiguration(endpoint: endpoint, registryPath: registry, unknownChargePoints: unknown, database: db,
                                 heartbeatIntervalSeconds: ocppHeartbeatInterval, maxMessageBytes: ocppMaxMessageBytes,
                                 stateDirectory: stateDirectory, transactionIDStride: ocppIDStride,
                                 transactionIDOffset: ocppIDOffset, configurationAfterBoot: after,
                                 requirePassword: ocppRequirePassword)
    }
}
