import ChargelineYKCPile
import ChargelineIngest
import NIOCore
import NIOPosix

/// One simulated pile: its connection, its charging sessions and faults. Lives on its
/// worker's single event loop (no locks).
final class SimPile: @unchecked Sendable {  // confined to its worker's one event loop
    let index: Int
    let code: UInt64
    let charging: Bool
    let silent: Bool
    let badCRC: Bool
    let split: Bool
    let overheat: Bool
    let sag: Bool
    let crcOrder: YKCCRCOrder
    var random: Xoshiro
    var channel: (any Channel)?
    var seq: UInt16 = 0
    var loginSentAt: NIODeadline?
    var heartbeatSentAt: NIODeadline?
    var heartbeatSeq: (UInt8, UInt8) = (0, 0)
    var loggedIn = false
    /// Bumped at every login, so wheel entries of an old connection are dropped.
    var epoch = 0
    var session: ChargingSession?
    var sessions = 0
    var meter: UInt64 = 1_000_000
    var framesSinceBad = 0
    var idleSince: NIODeadline = .now()

    init(index: Int, config: SimConfig) {
        self.index = index
        code = pileCode(base: config.codeBase, index: index)
        var r = Xoshiro(seed: config.seed &+ UInt64(index) &* 0x9E37_79B9)
        // Spread charging piles evenly: every k-th index.
        charging = config.chargingFraction > 0 && Double(index).truncatingRemainder(dividingBy: 1 / config.chargingFraction) < 1
        silent = r.nextDouble() < config.silent
        badCRC = r.nextDouble() < config.badCRC
        split = r.nextDouble() < config.split
        overheat = r.nextDouble() < config.overheat
        sag = r.nextDouble() < config.sag
        crcOrder = r.nextDouble() < config.highByteFirstCRC ? .highByteFirst : .lowByteFirst
        random = r
    }

    func nextSequence() -> (UInt8, UInt8) {
        seq &+= 1
        return (UInt8(seq & 0xFF), UInt8(seq >> 8))
    }
}

/// Per-worker counters and histograms (event-loop confined).
final class SimStats {
    var login = LatencyHistogram()
    var heartbeat = LatencyHistogram()
    var heartbeatSteady = LatencyHistogram()
    var framesSent = 0
    var repliesReceived = 0
    var connects = 0
    var connectFailures = 0
    var logins = 0
    var loginsRejected = 0
    var disconnects = 0
    var transactionsAcked = 0
    var transactionsSent = 0
    var badFramesSent = 0
    /// 0x13 frames sent (one `telemetry` point each); OCPP: MeterValues sent.
    var realtimeSent = 0
    /// OCPP: MeterValues answered with a CALLRESULT (acknowledged by the central system).
    var realtimeAcked = 0
    /// 0x23 + 0x25 frames sent (one `bms` point each).
    var bmsSent = 0
    var steady = false
    var steadyFrames = 0
    var steadyStart: NIODeadline?
}

/// Speaks YKC for one `SimPile` over one connection.
final class SimPileHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let pile: SimPile
    let worker: SimWorker
    private var pending = ByteBuffer()

    init(pile: SimPile, worker: SimWorker) {
        self.pile = pile
        self.worker = worker
    }

    func channelActive(context: ChannelHandlerContext) {
        pile.channel = context.channel
        worker.stats.connects += 1
        worker.encoder.login(sequence: pile.nextSequence(), pileCode: pile.code, pileType: pile.charging ? 0 : 1, guns: 1,
                             crcOrder: pile.crcOrder)
        pile.loginSentAt = .now()
        send(context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pile.channel = nil
        if pile.loggedIn { worker.stats.disconnects += 1 }
        pile.loggedIn = false
        worker.reconnectLater(pile)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        pending.writeBuffer(&chunk)
        while true {
            let step = pending.withUnsafeReadableBytes { YKCFramer.next(in: $0) }
            if step == .needMore { break }
            if case .frame(let n, _) = step {
                let type = pending.getInteger(at: pending.readerIndex + 5, as: UInt8.self) ?? 0
                let result = pending.getInteger(at: pending.readerIndex + 13, as: UInt8.self) ?? 0
                let s0 = pending.getInteger(at: pending.readerIndex + 2, as: UInt8.self) ?? 0
                let s1 = pending.getInteger(at: pending.readerIndex + 3, as: UInt8.self) ?? 0
                _ = n
                handleReply(type: type, result: result, sequence: (s0, s1), context: context)
            }
            pending.moveReaderIndex(forwardBy: step.consumed)
        }
        pending.discardReadBytes()
    }

    private func handleReply(type: UInt8, result: UInt8, sequence: (UInt8, UInt8), context: ChannelHandlerContext) {
        let stats = worker.stats
        stats.repliesReceived += 1
        let now = NIODeadline.now()
        switch type {
        case YKCFrameType.loginReply:
            if let sent = pile.loginSentAt { stats.login.record(now - sent) }
            pile.loginSentAt = nil
            guard result == 0 else {
                stats.loginsRejected += 1
                context.close(promise: nil)
                return
            }
            stats.logins += 1
            pile.loggedIn = true
            pile.epoch += 1
            worker.loggedIn(pile)
            worker.encoder.billingModelCheck(sequence: pile.nextSequence(), pileCode: pile.code, modelNumber: 0)
            send(context.channel)
            if !pile.silent { worker.schedule(pile) }
        case YKCFrameType.billingModelCheckReply:
            // Byte 15 is the result: 1 = differs -> request the model.
            worker.encoder.billingModelRequest(sequence: pile.nextSequence(), pileCode: pile.code)
            send(context.channel)
        case YKCFrameType.heartbeatReply:
            if let sent = pile.heartbeatSentAt, sequence == pile.heartbeatSeq {
                stats.heartbeat.record(now - sent)
                if stats.steady { stats.heartbeatSteady.record(now - sent) }
                pile.heartbeatSentAt = nil
            }
        case YKCFrameType.transactionRecordAck:
            stats.transactionsAcked += 1
        default:
            break
        }
    }

    /// One heartbeat (reply timed by `handleReply`).
    static func heartbeat(_ pile: SimPile, worker: SimWorker) {
        guard let channel = pile.channel else { return }
        let fault = pile.session?.overheating == true && (pile.session?.gunTemperature ?? 0) > 90
        worker.encoder.heartbeat(sequence: pile.nextSequence(), pileCode: pile.code, gun: 1, gunState: fault ? 1 : 0,
                                 crcOrder: pile.crcOrder)
        pile.heartbeatSeq = (worker.encoder.frame[2], worker.encoder.frame[3])
        pile.heartbeatSentAt = .now()
        send(channel, pile: pile, worker: worker)
    }

    /// One realtime report: 0x13 (+ 0x23 and 0x25 while charging; 0x3B when a session ends).
    static func report(_ pile: SimPile, worker: SimWorker, seconds: Double) {
        guard let channel = pile.channel else { return }
        let e = worker
        let now = Int64(NIODeadline.now().uptimeNanoseconds)
        if pile.charging && pile.session == nil {
            pile.sessions += 1
            var s = ChargingSession(random: &pile.random, pileCode: pile.code, gun: 1, counter: pile.sessions, startNanos: now,
                                    overheating: pile.overheat, meter: pile.meter,
                                    maxMinutes: worker.config.sessionMinutes * (0.5 + pile.random.nextDouble()))
            if pile.sag { s.sagRemaining = 0 }
            pile.session = s
        }
        guard var s = pile.session else {
            e.encoder.realtimeData(sequence: pile.nextSequence(),
                                   YKCRealtimeData(trade: YKCTradeNumber(high: 0, low: 0), pileCode: pile.code, gun: 1, status: 2,
                                                   holstered: 1), crcOrder: pile.crcOrder)
            send(channel, pile: pile, worker: worker)
            worker.stats.realtimeSent += 1
            return
        }
        if pile.sag && pile.random.nextDouble() < 0.05 { s.sagRemaining = 3 }
        let (v, a) = s.step(seconds: seconds, random: &pile.random)
        let trade = YKCTradeNumber(high: s.trade.0, low: s.trade.1)
        let fault = s.overheating && s.gunTemperature > 90
        let data = YKCRealtimeData(
            trade: trade, pileCode: pile.code, gun: 1, status: fault ? 1 : 3, holstered: 0, plugged: 1,
            decivolts: UInt16(min(65535, v * 10)), deciamps: UInt16(min(65535, a * 10)),
            gunTemperatureRaw: UInt8(clamping: Int(s.gunTemperature.rounded()) + 50), soc: UInt8(min(100, s.soc)),
            batteryTemperatureRaw: UInt8(clamping: Int(s.batteryTemperature.rounded()) + 50),
            chargingMinutes: UInt16(s.minutes), remainingMinutes: UInt16(max(0, (100 - s.soc) * 0.8)),
            energyRaw: UInt32(s.energy * 10_000), energyWithLossRaw: UInt32(s.energy * 10_000),
            amountRaw: UInt32(s.energy * 14_000), faultBits: fault ? 0b100 : 0)
        e.encoder.realtimeData(sequence: pile.nextSequence(), data, crcOrder: pile.crcOrder)
        send(channel, pile: pile, worker: worker)
        worker.stats.realtimeSent += 1
        worker.stats.bmsSent += 2
        e.encoder.bmsDemand(sequence: pile.nextSequence(), trade: trade, pileCode: pile.code, gun: 1, voltageDemand: v + 5,
                            currentDemand: a + 2, bmsVoltage: v - 1, bmsCurrent: a, soc: UInt8(min(100, s.soc)),
                            remainingMinutes: UInt16(max(0, (100 - s.soc) * 0.8)), chargingMinutes: UInt16(s.minutes))
        send(channel, pile: pile, worker: worker)
        e.encoder.bmsStatus(sequence: pile.nextSequence(), trade: trade, pileCode: pile.code, gun: 1,
                            maxTemperature: Int(s.batteryTemperature + 2), minTemperature: Int(s.batteryTemperature - 2))
        send(channel, pile: pile, worker: worker)
        if s.finished || (fault && s.minutes > 5) {
            let start = YKCCivilTime(nanoseconds: WallClockSim.now() - Int64(s.minutes * 60e9), utcOffsetSeconds: 8 * 3600)
            let end = YKCCivilTime(nanoseconds: WallClockSim.now(), utcOffsetSeconds: 8 * 3600)
            e.encoder.transactionRecord(sequence: pile.nextSequence(), trade: trade, pileCode: pile.code, gun: 1, start: start,
                                        end: end, energyRaw: UInt32(s.energy * 10_000), amountRaw: UInt32(s.energy * 14_000),
                                        meterStartRaw: s.meterStart, vin: "LSVAU2180N2183294", stopReason: fault ? 0x74 : 0x41)
            send(channel, pile: pile, worker: worker)
            worker.stats.transactionsSent += 1
            pile.meter += UInt64(s.energy * 10_000)
            pile.session = nil
        } else {
            pile.session = s
        }
    }

    private func send(_ channel: any Channel) { Self.send(channel, pile: pile, worker: worker) }

    /// Writes the worker encoder's frame, with the pile's faults applied.
    static func send(_ channel: any Channel, pile: SimPile, worker: SimWorker) {
        var bytes = worker.encoder.frame
        pile.framesSinceBad += 1
        if pile.badCRC && pile.framesSinceBad >= 20 && bytes[bytes.startIndex + 5] != YKCFrameType.login {
            pile.framesSinceBad = 0
            bytes[bytes.endIndex - 1] ^= 0x5A
            worker.stats.badFramesSent += 1
        }
        worker.stats.framesSent += 1
        if worker.stats.steady { worker.stats.steadyFrames += 1 }
        if pile.split && bytes.count > 8 {
            let cut = bytes.startIndex + bytes.count / 2
            var first = channel.allocator.buffer(capacity: cut - bytes.startIndex)
            first.writeBytes(bytes[bytes.startIndex..<cut])
            var second = channel.allocator.buffer(capacity: bytes.endIndex - cut)
            second.writeBytes(bytes[cut...])
            // Two flushed writes: with TCP_NODELAY they leave as two segments, so the
            // front-end sees the frame in two reads (a delay would interleave frames).
            channel.writeAndFlush(first, promise: nil)
            channel.writeAndFlush(second, promise: nil)
            return
        }
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }
}

@available(*, unavailable)
extension SimPileHandler: Sendable {}

/// Wall-clock nanoseconds (CP56Time2a in transaction records).
enum WallClockSim {
    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
