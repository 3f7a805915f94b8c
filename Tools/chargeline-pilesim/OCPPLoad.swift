import ChargelineCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// `--protocol ocpp16`: this worker's charge points (ids `SIM-<index>`) open WebSockets to
/// `ws://target/ocpp/SIM-<index>` (subprotocol ocpp1.6) at the login rate from the source
/// addresses, send BootNotification, then Heartbeat every `--heartbeat-seconds`; the
/// `--charging` fraction also send StatusNotification(Charging), StartTransaction and
/// MeterValues (voltage, current, power, energy, temperature, SoC) every
/// `--realtime-seconds`. Central-system CALLs (ChangeConfiguration, TriggerMessage) are
/// answered Accepted. One CALL in flight per charge point; reply latencies go to the report
/// (boot as "login", Heartbeat and MeterValues as their own lines).
final class OCPPLoad: @unchecked Sendable {  // confined to its one event loop
    let config: SimConfig
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop: any EventLoop
    let stats = SimStats()
    var meterValues = LatencyHistogram()
    var meterValuesSteady = LatencyHistogram()
    private var started = NIODeadline.now()
    private var rampDone: NIODeadline?
    private var booted = 0
    /// Set at the end of the run: charge points send no new CALL, and the run waits (up to 5 s)
    /// for the replies to the ones in flight before closing, as a charge point shutting down
    /// would; so every MeterValues counted as sent had its chance to be answered.
    private(set) var stopping = false
    /// CALLs sent and not yet answered, over all charge points.
    var callsInFlight = 0
    private var channels: [any Channel] = []

    init(config: SimConfig) {
        self.config = config
        loop = group.next()
    }

    private lazy var target: SocketAddress? = try? SocketAddress.makeAddressResolvingHost(config.host, port: config.port)
    private lazy var sourceAddresses: [SocketAddress] = (1...max(1, config.sources)).compactMap {
        try? SocketAddress(ipAddress: "127.0.0.\($0)", port: 0)
    }

    func run() throws -> WorkerResult {
        let done = loop.makePromise(of: Void.self)
        let count = config.end - config.first
        try loop.submit { [self] in
            started = .now()
            var next = 0
            loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(5)) { [self] task in
                let elapsed = Double((NIODeadline.now() - started).nanoseconds) / 1e9
                let due = min(count, Int(elapsed * config.loginRate) + 1)
                while next < due {
                    connect(config.first + next)
                    next += 1
                }
                if next >= count { task.cancel() }
            }
            loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .milliseconds(200)) { [self] task in
                let now = NIODeadline.now()
                let rampLimit = Double(count) / max(1, config.loginRate) * 3 + 60
                if rampDone == nil && (booted >= count || now - started > .seconds(Int64(rampLimit))) {
                    rampDone = now
                    stats.steady = true
                    stats.steadyStart = now
                }
                if let r = rampDone, now - r >= .nanoseconds(Int64(config.duration * 1e9)) {
                    task.cancel()
                    stopping = true
                    let drainStart = now
                    loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(20)) { [self] drain in
                        guard callsInFlight == 0 || NIODeadline.now() - drainStart > .seconds(5) else { return }
                        drain.cancel()
                        for c in channels { c.close(promise: nil) }
                        loop.scheduleTask(in: .milliseconds(300)) { done.succeed() }
                    }
                }
            }
        }.wait()
        try done.futureResult.wait()
        let result = try loop.submit { [self] in
            WorkerResult(
                login: stats.login, heartbeat: stats.heartbeat, heartbeatSteady: stats.heartbeatSteady,
                framesSent: stats.framesSent, steadyFrames: stats.steadyFrames,
                steadySeconds: stats.steadyStart.map { Double((NIODeadline.now() - $0).nanoseconds) / 1e9 } ?? 0,
                repliesReceived: stats.repliesReceived, connects: stats.connects, connectFailures: stats.connectFailures,
                logins: stats.logins, loginsRejected: stats.loginsRejected, disconnects: stats.disconnects,
                transactionsSent: stats.transactionsSent, transactionsAcked: stats.transactionsAcked,
                badFramesSent: 0, realtimeSent: stats.realtimeSent, realtimeAcked: stats.realtimeAcked, bmsSent: 0,
                rampSeconds: rampDone.map { Double(($0 - started).nanoseconds) / 1e9 } ?? -1, rssKB: SimWorker.rssKB(),
                meterValues: meterValues, meterValuesSteady: meterValuesSteady)
        }.wait()
        try? group.syncShutdownGracefully()
        return result
    }

    func booted(_ ok: Bool) {
        if ok { booted += 1; stats.logins += 1 } else { stats.loginsRejected += 1 }
    }

    private func connect(_ index: Int) {
        let id = "SIM-\(index)"
        let charging = config.chargingFraction > 0 && Double(index).truncatingRemainder(dividingBy: 1 / config.chargingFraction) < 1
        let path = "/ocpp/\(id)"
        let host = config.host
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            // IP_BIND_ADDRESS_NO_PORT (24): see SimWorker.connect.
            .channelOption(ChannelOptions.Types.SocketOption(level: .ip, name: .init(rawValue: 24)), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { [self] channel in
                let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 16, automaticErrorHandling: true) { [self] channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        let ops = channel.pipeline.syncOperations
                        // The request handler has done its job; WebSocket frames must not reach it.
                        ops.removeHandler(try ops.handler(type: OCPPSimUpgradeRequest.self), promise: nil)
                        try ops.addHandler(OCPPSimHandler(id: id, charging: charging, load: self))
                    }
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    try channel.pipeline.syncOperations.addHandler(OCPPSimUpgradeRequest(path: path, host: host))
                }
            }
        let bound = sourceAddresses.isEmpty ? bootstrap : bootstrap.bind(to: sourceAddresses[index % sourceAddresses.count])
        let connecting = target.map { bound.connect(to: $0) } ?? bound.connect(host: config.host, port: config.port)
        connecting.whenComplete { [self] result in
            switch result {
            case .success(let channel):
                stats.connects += 1
                channels.append(channel)
                channel.closeFuture.whenComplete { [self] _ in
                    if !stopping { stats.disconnects += 1 }
                }
            case .failure(let error):
                stats.connectFailures += 1
                if stats.connectFailures <= 5 || stats.connectFailures % 1000 == 0 {
                    FileHandle.standardError.write(Data("pilesim: OCPP connect failed: \(error)\n".utf8))
                }
            }
        }
    }
}

/// Sends the HTTP upgrade request once connected (the upgrader adds the WebSocket headers).
final class OCPPSimUpgradeRequest: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    let path: String
    let host: String

    init(path: String, host: String) {
        self.path = path
        self.host = host
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders([("Host", host), ("Sec-WebSocket-Protocol", "ocpp1.6"), ("Content-Length", "0")])
        headers.add(name: "User-Agent", value: "chargeline-pilesim")
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A refused upgrade: the server answered with a plain HTTP response.
        if case .head(let head) = unwrapInboundIn(data), head.status != .switchingProtocols {
            FileHandle.standardError.write(Data("pilesim: OCPP handshake refused: \(head.status)\n".utf8))
            context.close(promise: nil)
        }
    }
}

/// One simulated OCPP charge point after the upgrade.
final class OCPPSimHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private enum Kind { case boot, heartbeat, meterValues, other }

    let id: String
    let charging: Bool
    let load: OCPPLoad
    private var context: ChannelHandlerContext?
    private var queue: [(Kind, String, String)] = []  // kind, action, payload JSON
    private var inFlight: (id: String, kind: Kind, sentAt: NIODeadline)?
    private var number = 0
    private var energyWh = 1_000_000
    private var tasks: [RepeatedTask] = []
    private var transactionID = 0

    init(id: String, charging: Bool, load: OCPPLoad) {
        self.id = id
        self.charging = charging
        self.load = load
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        call(.boot, "BootNotification", #"{"chargePointVendor":"Chargeline","chargePointModel":"pilesim"}"#)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if inFlight != nil { load.callsInFlight -= 1; inFlight = nil }
        for t in tasks { t.cancel() }
        self.context = nil
    }

    private func call(_ kind: Kind, _ action: String, _ payload: String) {
        guard !load.stopping else { return }
        queue.append((kind, action, payload))
        sendNext()
    }

    private func sendNext() {
        guard inFlight == nil, !queue.isEmpty, let context else { return }
        let (kind, action, payload) = queue.removeFirst()
        number += 1
        let uid = "\(number)"
        inFlight = (uid, kind, .now())
        load.callsInFlight += 1
        write(#"[2,"\#(uid)","\#(action)",\#(payload)]"#, context)
        load.stats.framesSent += 1
        if load.stats.steady { load.stats.steadyFrames += 1 }
        if kind == .meterValues { load.stats.realtimeSent += 1 }
    }

    private func write(_ text: String, _ context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(string: text)
        // A client masks every frame (RFC 6455 5.1).
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.opcode == .text else {
            if frame.opcode == .connectionClose { context.close(promise: nil) }
            return
        }
        let raw = Data(frame.unmaskedData.readableBytesView)
        guard let parsed = try? JSONSerialization.jsonObject(with: raw), let message = parsed as? [Any], message.count >= 3,
              let type = message[0] as? Int, let uid = message[1] as? String else { return }
        if type == 2 {
            // The central system's CALL: accept whatever it asks.
            write(#"[3,"\#(uid)",{"status":"Accepted"}]"#, context)
            return
        }
        guard let current = inFlight, current.id == uid else { return }
        inFlight = nil
        load.callsInFlight -= 1
        load.stats.repliesReceived += 1
        let latency = NIODeadline.now() - current.sentAt
        let payload: [String: Any] = (message[2] as? [String: Any]) ?? [:]
        switch current.kind {
        case .boot:
            load.stats.login.record(latency)
            let status = payload["status"] as? String
            let accepted = type == 3 && status == "Accepted"
            load.booted(accepted)
            if accepted { startRunning(context) }
        case .heartbeat:
            load.stats.heartbeat.record(latency)
            if load.stats.steady { load.stats.heartbeatSteady.record(latency) }
        case .meterValues:
            if type == 3 { load.stats.realtimeAcked += 1 }
            load.meterValues.record(latency)
            if load.stats.steady { load.meterValuesSteady.record(latency) }
        case .other:
            if let t = payload["transactionId"] as? Int {
                transactionID = t
                load.stats.transactionsAcked += 1
            }
        }
        sendNext()
    }

    private func startRunning(_ context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let heartbeat = TimeAmount.nanoseconds(Int64(load.config.heartbeatSeconds * 1e9))
        // A random phase spreads the charge points over the period.
        let phase = TimeAmount.nanoseconds(Int64.random(in: 0...max(1, heartbeat.nanoseconds)))
        tasks.append(loop.scheduleRepeatedTask(initialDelay: phase, delay: heartbeat) { _ in
            bound.value.call(.heartbeat, "Heartbeat", "{}")
        })
        guard charging else { return }
        let now = CivilTime(nanoseconds: Int64(Date().timeIntervalSince1970 * 1e9)).rfc3339
        call(.other, "StatusNotification", #"{"connectorId":1,"errorCode":"NoError","status":"Charging","timestamp":"\#(now)"}"#)
        call(.other, "StartTransaction", #"{"connectorId":1,"idTag":"SIMTAG","meterStart":\#(energyWh),"timestamp":"\#(now)"}"#)
        load.stats.transactionsSent += 1
        let every = TimeAmount.nanoseconds(Int64(load.config.realtimeSeconds * 1e9))
        let mvPhase = TimeAmount.nanoseconds(Int64.random(in: 0...max(1, every.nanoseconds)))
        tasks.append(loop.scheduleRepeatedTask(initialDelay: mvPhase, delay: every) { _ in bound.value.sendMeterValues() })
    }

    private func sendMeterValues() {
        energyWh += Int.random(in: 50...150)
        let ts = CivilTime(nanoseconds: Int64(Date().timeIntervalSince1970 * 1e9)).rfc3339
        let voltage = 380 + Double(Int.random(in: 0...200)) / 10
        let current = 100 + Double(Int.random(in: 0...200)) / 10
        let payload = #"{"connectorId":1,"transactionId":\#(transactionID),"meterValue":[{"timestamp":"\#(ts)","sampledValue":["#
            + #"{"value":"\#(voltage)","measurand":"Voltage","unit":"V"},{"value":"\#(current)","measurand":"Current.Import","unit":"A"},"#
            + #"{"value":"\#(Int(voltage * current))","measurand":"Power.Active.Import","unit":"W"},"#
            + #"{"value":"\#(energyWh)","measurand":"Energy.Active.Import.Register","unit":"Wh"},"#
            + #"{"value":"35","measurand":"Temperature","location":"Cable","unit":"Celsius"},"#
            + #"{"value":"60","measurand":"SoC","location":"EV","unit":"Percent"}]}]}"#
        call(.meterValues, "MeterValues", payload)
    }
}
