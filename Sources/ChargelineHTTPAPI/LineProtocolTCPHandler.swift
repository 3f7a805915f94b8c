import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import Logging
import NIOCore

/// Reads newline-delimited line protocol from one TCP connection and hands it to the sink in
/// batches, for collectors that stream points without HTTP.
///
/// - Only complete lines are parsed; a partial last line waits in the buffer for the rest.
///   At EOF the tail is parsed even without a final `\n`, then the connection is closed.
/// - Line numbers run across the whole connection, so a logged bad line can be found in what
///   the client sent.
/// - A batch goes to the sink after `batchLines` lines or `batchBytes` bytes, or when the
///   socket has nothing more to read right now.
/// - Back-pressure: while a batch is at the sink, outbound `read` events are held, so the
///   buffer grows by at most one read cycle beyond a batch. One line may not exceed
///   `maxLineBytes`; a connection that sends a longer one is closed.
final class LineProtocolTCPHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Settings: Sendable {
        let sink: any IngestSink
        let database: String
        let batchLines: Int
        let batchBytes: Int
        let maxLineBytes: Int
        /// Most fields per point (`ServerConfiguration.maxValuesPerPoint`).
        let maxValuesPerPoint: Int
        let stats: StatsRecorder
        let logger: Logger
    }

    private let settings: Settings
    private var buffer = ByteBuffer()
    /// Newlines in `buffer`'s readable bytes.
    private var newlines = 0
    private var nextLineNumber = 1
    private var inFlight = false
    private var readPending = false
    /// EOF from the client, or the server is shutting down: no more reads, flush, then close.
    private var finishing = false
    /// At EOF the tail without `\n` is a line; when quiescing it is an unfinished one.
    private var parseTail = false
    private var closed = false
    private var peer = "?"
    private var parser: LineProtocolParser

    init(settings: Settings) {
        self.settings = settings
        parser = LineProtocolParser(defaultTimestamp: 0, maxValuesPerPoint: settings.maxValuesPerPoint)
    }

    // MARK: Inbound

    func channelActive(context: ChannelHandlerContext) {
        peer = context.remoteAddress.map { String(describing: $0) } ?? "?"
        buffer = context.channel.allocator.buffer(capacity: 0)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        settings.stats.countBytes(chunk.readableBytes)
        newlines += chunk.withUnsafeReadableBytes { $0.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }
        buffer.writeBuffer(&chunk)
        if newlines == 0 && buffer.readableBytes > settings.maxLineBytes {
            settings.logger.warning("line protocol: line too long, closing connection", metadata: [
                "peer": "\(peer)", "line": "\(nextLineNumber)", "limit": "\(settings.maxLineBytes)",
            ])
            settings.stats.countRejected(protocol: "tcp", reason: "too_long", lines: 1)
            closeNow(context: context)
            return
        }
        if newlines >= settings.batchLines || buffer.readableBytes >= settings.batchBytes {
            submitPending(context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        submitPending(context: context)
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            finishing = true
            parseTail = true
            submitPending(context: context)
        } else if event is ChannelShouldQuiesceEvent {
            finishing = true
            submitPending(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        if buffer.readableBytes > 0 {
            settings.logger.warning("line protocol: connection closed with unprocessed bytes", metadata: [
                "peer": "\(peer)", "bytes": "\(buffer.readableBytes)", "line": "\(nextLineNumber)",
            ])
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        settings.logger.debug("line protocol: connection error", metadata: ["peer": "\(peer)", "error": "\(error)"])
        closeNow(context: context)
    }

    // MARK: Outbound: read gating

    func read(context: ChannelHandlerContext) {
        if inFlight || finishing || closed {
            readPending = true
        } else {
            context.read()
        }
    }

    // MARK: Batching

    /// Sends the next batch of complete lines (and the tail at EOF) unless one is in flight;
    /// closes when finishing and nothing is left; otherwise resumes reading.
    private func submitPending(context: ChannelHandlerContext) {
        guard !inFlight, !closed else { return }
        while true {
            let end = batchEnd()
            guard end > 0 else { break }
            var slice = buffer.readSlice(length: end)!
            let linesInSlice = slice.withUnsafeReadableBytes { raw -> Int in
                raw.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            }
            newlines -= linesInSlice
            let first = nextLineNumber
            nextLineNumber += linesInSlice
            if buffer.readableBytes == 0 { buffer.clear() } else if buffer.readerIndex > settings.batchBytes {
                buffer.discardReadBytes()
            }
            if submit(&slice, firstLine: first, context: context) { return }
        }
        if finishing {
            // At EOF the tail was parsed above; at shutdown an unfinished line is dropped.
            if buffer.readableBytes > 0 {
                settings.logger.warning("line protocol: dropping unfinished line at shutdown", metadata: [
                    "peer": "\(peer)", "line": "\(nextLineNumber)", "bytes": "\(buffer.readableBytes)",
                ])
                buffer.clear()
            }
            closeNow(context: context)
            return
        }
        if readPending {
            readPending = false
            context.read()
        }
    }

    /// How many bytes from the reader index make the next batch: whole lines only (plus the
    /// tail at EOF), at most `batchLines` lines, and at most `batchBytes` unless one line is longer.
    private func batchEnd() -> Int {
        buffer.withUnsafeReadableBytes { raw -> Int in
            var lines = 0
            var lastEnd = 0
            var i = 0
            while i < raw.count {
                guard raw[i] == UInt8(ascii: "\n") else { i += 1; continue }
                if i + 1 > settings.batchBytes && lastEnd > 0 { return lastEnd }
                lastEnd = i + 1
                lines += 1
                if lines >= settings.batchLines || lastEnd >= settings.batchBytes { return lastEnd }
                i += 1
            }
            return lastEnd == 0 && parseTail ? raw.count : lastEnd
        }
    }

    /// Parses `slice` and hands its points to the sink. Returns whether a write is now in flight.
    private func submit(_ slice: inout ByteBuffer, firstLine: Int, context: ChannelHandlerContext) -> Bool {
        parser.defaultTimestamp = WallClock.nowNanoseconds()
        var builder = WriteBatchBuilder(reservingCapacity: slice.readableBytes)
        var pointLines: [Int32] = []
        var errors: [LineProtocolError] = []
        slice.withUnsafeReadableBytes { raw in
            parser.parse(raw, firstLineNumber: firstLine, into: &builder, pointLines: &pointLines, errors: &errors)
        }
        if !errors.isEmpty {
            var lines = Set<Int>()
            for error in errors {
                lines.insert(error.line)
                settings.logger.warning("line protocol: rejected line", metadata: [
                    "peer": "\(peer)", "database": "\(settings.database)", "error": "\(error)",
                ])
            }
            settings.stats.countRejected(protocol: "tcp", reason: "parse", lines: lines.count)
        }
        let batch = builder.finish()
        guard batch.pointCount > 0 else { return false }

        inFlight = true
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let settings = self.settings
        let peer = self.peer
        let lines = pointLines
        settings.sink.write(database: settings.database, batch: batch) { outcome in
            if let failure = outcome.failure {
                settings.logger.error("line protocol: write failed, nothing stored", metadata: [
                    "peer": "\(peer)", "database": "\(settings.database)", "error": "\(failure)",
                ])
                settings.stats.countRejected(protocol: "tcp", reason: "failed", lines: batch.pointCount)
            } else {
                for (index, message) in outcome.rejected {
                    let line = index < lines.count ? Int(lines[index]) : -1
                    settings.logger.warning("line protocol: store refused point", metadata: [
                        "peer": "\(peer)", "line": "\(line)", "error": "\(message)",
                    ])
                }
                if let drop = outcome.seriesQuotaDrop {
                    // Counted, not listed per point: an attack sends millions.
                    settings.logger.warning("line protocol: store refused points", metadata: [
                        "peer": "\(peer)", "database": "\(settings.database)", "error": "\(drop.message)",
                    ])
                    settings.stats.countRejected(protocol: "tcp", reason: "max_series", lines: drop.points)
                }
                let values = batch.valueCount(excluding: outcome.rejected) - (outcome.seriesQuotaDrop?.values ?? 0)
                settings.stats.countStored(protocol: "tcp", database: settings.database,
                                           points: outcome.pointsStored(of: batch.pointCount), values: values)
                settings.stats.countRejected(protocol: "tcp", reason: "refused", lines: outcome.rejected.count)
            }
            loop.execute {
                let (handler, context) = bound.value
                handler.inFlight = false
                handler.submitPending(context: context)
            }
        }
        return true
    }

    private func closeNow(context: ChannelHandlerContext) {
        guard !closed else { return }
        closed = true
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension LineProtocolTCPHandler: Sendable {}
