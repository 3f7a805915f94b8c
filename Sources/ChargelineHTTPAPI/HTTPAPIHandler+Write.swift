import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import NIOCore

extension HTTPAPIHandler {
    /// `POST /write`: parses the body, hands the good points to the sink, and answers once
    /// the sink's completions for all of them arrived (204, or 400 naming every rejected line).
    ///
    /// A body larger than `writePieceBytes` goes to the sink in pieces of whole lines (growing
    /// from an eighth of it to all of it), each as soon as it is parsed: while this loop parses the next piece, the WAL writes and syncs the
    /// previous one and the head takes the one before, each on its own core, instead of one
    /// stage after the other. The answer still waits until every piece is durable and in the
    /// head. Pieces reach the sink in body order, so the points keep their order too.
    ///
    /// Parsing runs on the event loop: a piece parses in a fraction of a millisecond, less than
    /// a hop to another thread pool and back would cost; a worst-case 25 MB body blocks this
    /// loop for some tens of milliseconds, which only delays the other connections on this loop
    /// (there is one loop per core).
    func handleWrite(database: String, precisionMultiplier: Int64, body: ByteBuffer, context: ChannelHandlerContext) {
        var parser = LineProtocolParser(precisionMultiplier: precisionMultiplier,
                                        defaultTimestamp: WallClock.nowNanoseconds(), maxValuesPerPoint: api.maxValuesPerPoint)
        // A small body is one piece. A large one starts with an eighth of `writePieceBytes`, so
        // the WAL starts its first sync (which the head waits for) after a short parse, and the
        // pieces double up to `writePieceBytes`, so each later one carries several points per
        // series for the head to apply together.
        var pieceBytes = body.readableBytes > api.writePieceBytes ? max(1, api.writePieceBytes / 8) : Int.max
        let pieces = WritePieces()
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let (stats, sink) = (api.stats, api.sink)
        body.withUnsafeReadableBytes { raw in
            var position = LineProtocolParser.Position(offset: 0, line: 1)
            repeat {
                var builder = WriteBatchBuilder(reservingCapacity: min(raw.count - position.offset, pieceBytes))
                var pointLines: [Int32] = []
                var errors: [LineProtocolError] = []
                position = parser.parse(raw, from: position, stoppingAfter: pieceBytes, into: &builder,
                                        pointLines: &pointLines, errors: &errors)
                let batch = builder.finish()
                var parseReport = WriteReport()
                parseReport.add(parseErrors: errors)
                stats.countRejected(protocol: "http", reason: "parse", lines: parseReport.rejectedLineCount)
                let index = pieces.add(parseErrors: errors, pointLines: pointLines, pointCount: batch.pointCount)
                if pieceBytes < api.writePieceBytes { pieceBytes = min(pieceBytes * 2, api.writePieceBytes) }
                guard batch.pointCount > 0 else { continue }
                sink.write(database: database, batch: batch) { outcome in
                    // Count on the sink's thread so the numbers are right even if the client went away.
                    if outcome.failure == nil {
                        let stored = outcome.pointsStored(of: batch.pointCount)
                        let storedValues = batch.valueCount(excluding: outcome.rejected) - (outcome.seriesQuotaDrop?.values ?? 0)
                        stats.countStored(protocol: "http", database: database, points: stored, values: storedValues)
                        stats.countRejected(protocol: "http", reason: "refused", lines: outcome.rejected.count)
                        stats.countRejected(protocol: "http", reason: "max_series", lines: outcome.seriesQuotaDrop?.points ?? 0)
                    } else {
                        // Answered 500/503: the client retries, so not a rejected line in ServerStats.
                        stats.metrics?.countRejected(protocol: "http", reason: "failed", count: batch.pointCount)
                    }
                    guard pieces.complete(index, outcome) else { return }
                    loop.execute {
                        let (handler, context) = bound.value
                        handler.writeCompleted(pieces.all, context: context)
                    }
                }
            } while position.offset < raw.count
        }
        if pieces.finishParsing() { writeCompleted(pieces.all, context: context) }
    }

    /// The `Retry-After` of a 503 to `/write` (s): the store tries the disk again at most a
    /// second after a failed WAL write.
    static let writeRetryAfterSeconds = 1

    /// Answers the `/write` once every piece's outcome is back, on the event loop.
    private func writeCompleted(_ pieces: [WritePieces.Piece], context: ChannelHandlerContext) {
        var report = WriteReport()
        var pointsStored = 0
        var failure: ChargelineError?
        for piece in pieces {
            report.add(parseErrors: piece.parseErrors)
            if let outcome = piece.outcome {
                pointsStored += outcome.pointsStored(of: piece.pointCount)
                if failure == nil { failure = outcome.failure }
            }
        }
        // Lines holding a point or an error (not blanks or comments).
        let totalLines = pieces.reduce(0) { $0 + $1.pointLines.count } + report.rejectedLineCount
        if let failure, failure.code == .notFound || failure.code == .quota {
            // A quota (DatabaseQuotaSink): InfluxDB's 404 for a missing database, 400 otherwise.
            respond(status: failure.code == .notFound ? 404 : 400, json: JSON.error(failure.message), context: context)
            return
        }
        if let failure {
            // The store refuses for now (shutting down, disk full, I/O error) and keeps nothing
            // of the piece it failed: 503 with Retry-After, so clients and gateways retry the
            // batch later. Pieces of a large body stored before the failure stay stored; writing
            // them again on the retry changes nothing (a point keeps its last write).
            let retryLater = failure.code == .closed || failure.code == .unavailable
            let what = pointsStored == 0
                ? "write failed, nothing stored: \(failure)"
                : "write failed after \(pointsStored) of its points were stored (retrying the whole batch is safe: "
                    + "points written again keep the same values): \(failure)"
            respond(status: retryLater ? 503 : 500, json: JSON.error(what),
                    headers: retryLater ? [("Retry-After", "\(Self.writeRetryAfterSeconds)")] : [], context: context)
            return
        }
        for piece in pieces {
            guard let outcome = piece.outcome else { continue }
            report.add(rejected: outcome.rejected, pointLines: piece.pointLines)
            report.add(seriesQuotaDrop: outcome.seriesQuotaDrop)
        }
        if report.isEmpty {
            respond(status: 204, json: nil, context: context)
        } else {
            respond(status: 400, json: JSON.error(report.message(totalLines: totalLines, pointsStored: pointsStored)),
                    context: context)
        }
    }
}
