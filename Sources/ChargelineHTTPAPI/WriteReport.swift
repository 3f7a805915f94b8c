import ChargelineCore
import ChargelineIngest

/// Builds the `/write` error message that names every rejected line, the way InfluxDB clients
/// expect a `partial write` to read:
///
/// `partial write: line 3, column 17: ...; line 9: ... (2 of 5000 lines rejected, 4998 points stored)`
struct WriteReport {
    /// At most this many lines are named; the rest are counted ("and 37 more"), so one bad
    /// 25 MB body cannot produce a multi-megabyte error message.
    static let maxListed = 100

    private var entries: [(line: Int, text: String)] = []
    private var rejectedLines = Set<Int>()
    private var sinkRejections = 0
    private var seriesQuotaDrop: SeriesQuotaDrop?

    /// Adds the parser's errors.
    mutating func add(parseErrors: [LineProtocolError]) {
        for error in parseErrors {
            entries.append((error.line, error.description))
            rejectedLines.insert(error.line)
        }
    }

    /// Adds points the sink refused; `pointLines[i]` is the line of point `i`.
    mutating func add(rejected: [(pointIndex: Int, message: String)], pointLines: [Int32]) {
        sinkRejections += rejected.count
        for (index, message) in rejected {
            let line = index >= 0 && index < pointLines.count ? Int(pointLines[index]) : -1
            entries.append((line, line >= 0 ? "line \(line): \(message)" : "point \(index): \(message)"))
            rejectedLines.insert(line >= 0 ? line : -1 - index)
        }
    }

    /// Adds the points `max-series-per-database` refused (counted, not listed, as InfluxDB);
    /// the drops of a body's pieces add up.
    mutating func add(seriesQuotaDrop drop: SeriesQuotaDrop?) {
        guard let drop else { return }
        guard var sum = seriesQuotaDrop else {
            seriesQuotaDrop = drop
            return
        }
        sum.points += drop.points
        sum.values += drop.values
        seriesQuotaDrop = sum
    }

    /// Whether anything was rejected.
    var isEmpty: Bool { entries.isEmpty && seriesQuotaDrop == nil }
    /// How many distinct lines were rejected.
    var rejectedLineCount: Int { rejectedLines.count }

    /// The message; `totalLines` counts lines holding a point or an error (not blanks/comments).
    func message(totalLines: Int, pointsStored: Int) -> String {
        if let drop = seriesQuotaDrop, entries.isEmpty {
            // Exactly InfluxDB 1.x's body, which clients and operators' alerts match on.
            return "partial write: \(drop.message)"
        }
        let sorted = entries.sorted { $0.line < $1.line }
        var listed = sorted.prefix(Self.maxListed).map(\.text).joined(separator: "; ")
        if sorted.count > Self.maxListed {
            listed += "; and \(sorted.count - Self.maxListed) more"
        }
        // "unable to parse" only when nothing was stored because nothing parsed; Telegraf and the
        // client libraries look for either phrase to decide not to retry.
        let prefix = pointsStored == 0 && sinkRejections == 0 && seriesQuotaDrop == nil ? "unable to parse" : "partial write"
        let quota = seriesQuotaDrop.map { "; \($0.message)" } ?? ""
        return "\(prefix): \(listed)\(quota) (\(rejectedLineCount) of \(totalLines) lines rejected, \(pointsStored) points stored)"
    }
}
