import ChargelineCore
import ChargelineIngest
import NIOCore

extension HTTPAPIHandler {
    /// `POST /write`: parses the whole body, hands the good points to the sink, and answers
    /// when the sink's completion arrives (204, or 400 naming every rejected line).
    ///
    /// Parsing runs on the event loop. A typical 5,000-line batch parses in about a millisecond,
    /// less than a hop to another thread pool and back would cost; a worst-case 25 MB body blocks
    /// this loop for some tens of milliseconds, which only delays the other connections on this
    /// loop (there is one loop per core). Move parsing to a `NIOThreadPool` if profiles say so.
    func handleWrite(database: String, precisionMultiplier: Int64, body: ByteBuffer, context: ChannelHandlerContext) {
        var parser = LineProtocolParser(precisionMultiplier: precisionMultiplier,
                                        defaultTimestamp: WallClock.nowNanoseconds(), maxValuesPerPoint: api.maxValuesPerPoint)
        var builder = WriteBatchBuilder(reservingCapacity: body.readableBytes)
        var pointLines: [Int32] = []
        var errors: [LineProtocolError] = []
        body.withUnsafeReadableBytes { raw in
            parser.parse(raw, firstLineNumber: 1, into: &builder, pointLines: &pointLines, errors: &errors)
        }
        let batch = builder.finish()
        var report = WriteReport()
        report.add(parseErrors: errors)
        api.stats.countRejected(protocol: "http", reason: "parse", lines: report.rejectedLineCount)
        let totalLines = pointLines.count + report.rejectedLineCount

        guard batch.pointCount > 0 else {
            if report.isEmpty {
                respond(status: 204, json: nil, context: context)
            } else {
                respond(status: 400, json: JSON.error(report.message(totalLines: totalLines, pointsStored: 0)),
                        context: context)
            }
            return
        }

        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let stats = api.stats
        api.sink.write(database: database, batch: batch) { [report, pointLines] outcome in
            // Count on the sink's thread so the numbers are right even if the client went away.
            let stored = outcome.pointsStored(of: batch.pointCount)
            if outcome.failure == nil {
                let storedValues = batch.valueCount(excluding: outcome.rejected) - (outcome.seriesQuotaDrop?.values ?? 0)
                stats.countStored(protocol: "http", database: database, points: stored, values: storedValues)
                stats.countRejected(protocol: "http", reason: "refused", lines: outcome.rejected.count)
                stats.countRejected(protocol: "http", reason: "max_series", lines: outcome.seriesQuotaDrop?.points ?? 0)
            } else {
                // Answered 500/503: the client retries, so not a rejected line in ServerStats.
                stats.metrics?.countRejected(protocol: "http", reason: "failed", count: batch.pointCount)
            }
            loop.execute {
                let (handler, context) = bound.value
                handler.writeCompleted(outcome, report: report, pointLines: pointLines, totalLines: totalLines,
                                       pointsStored: stored, context: context)
            }
        }
    }

    /// The `Retry-After` of a 503 to `/write` (s): the store tries the disk again at most a
    /// second after a failed WAL write.
    static let writeRetryAfterSeconds = 1

    /// Answers the `/write` once the sink's completion is back on the event loop.
    private func writeCompleted(_ outcome: WriteOutcome, report: WriteReport, pointLines: [Int32], totalLines: Int,
                                pointsStored: Int, context: ChannelHandlerContext) {
        if let failure = outcome.failure, failure.code == .notFound || failure.code == .quota {
            // A quota (DatabaseQuotaSink): InfluxDB's 404 for a missing database, 400 otherwise.
            respond(status: failure.code == .notFound ? 404 : 400, json: JSON.error(failure.message), context: context)
            return
        }
        if let failure = outcome.failure {
            // The store refuses for now (shutting down, disk full, I/O error) and keeps nothing
            // of the batch: 503 with Retry-After, so clients and gateways retry it later.
            let retryLater = failure.code == .closed || failure.code == .unavailable
            respond(status: retryLater ? 503 : 500, json: JSON.error("write failed, nothing stored: \(failure)"),
                    headers: retryLater ? [("Retry-After", "\(Self.writeRetryAfterSeconds)")] : [], context: context)
            return
        }
        var report = report
        report.add(rejected: outcome.rejected, pointLines: pointLines)
        report.add(seriesQuotaDrop: outcome.seriesQuotaDrop)
        if report.isEmpty {
            respond(status: 204, json: nil, context: context)
        } else {
            respond(status: 400, json: JSON.error(report.message(totalLines: totalLines, pointsStored: pointsStored)),
                    context: context)
        }
    }
}
