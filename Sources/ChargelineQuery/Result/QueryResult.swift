/// One series of a statement's answer: InfluxDB 1.x's `{"name", "tags", "columns", "values"}`.
public struct ResultSeries: Sendable, Equatable {
    public var name: String
    /// Tags of the group (GROUP BY keys), sorted by key.
    public var tags: [Tag]
    public var columns: [String]
    public var values: [[Value]]

    public struct Tag: Sendable, Equatable, Hashable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) { self.key = key; self.value = value }
    }

    public init(name: String, tags: [Tag] = [], columns: [String], values: [[Value]] = []) {
        self.name = name
        self.tags = tags
        self.columns = columns
        self.values = values
    }
}

/// The answer to one statement: its series, or an error in InfluxDB's shape.
///
/// Equality compares the answer (id, series, error), not `statistics`: the same answer read
/// from rollups or from raw data is equal.
public struct StatementResult: Sendable, Equatable {
    public var statementID: Int
    public var series: [ResultSeries]
    /// Set when the statement failed; `series` is then empty.
    public var error: String?
    /// Warnings about an answer given anyway, such as an unknown measurement or field that
    /// InfluxDB 1.x answers with an empty result: the `/query` JSON's
    /// `"messages":[{"level":"warning","text":...}]`.
    public var messages: [String] = []
    /// How the statement was answered (not part of the `/query` JSON).
    public var statistics = QueryStatistics()

    public init(statementID: Int, series: [ResultSeries] = [], error: String? = nil) {
        self.statementID = statementID
        self.series = series
        self.error = error
    }

    public static func == (a: StatementResult, b: StatementResult) -> Bool {
        a.statementID == b.statementID && a.series == b.series && a.error == b.error
    }
}

/// What answering one statement read: `chargeline query --explain` prints it, tests assert
/// which path answered.
public struct QueryStatistics: Sendable, Equatable, CustomStringConvertible {
    /// Raw values decoded (values answered from block statistics are not decoded).
    public var pointsDecoded = 0
    /// Rollup rows (one field of one series over one rollup bucket) read in place of raw data
    /// by transparent reads; 0 when raw data answered alone.
    public var rollupRows = 0

    public init(pointsDecoded: Int = 0, rollupRows: Int = 0) {
        self.pointsDecoded = pointsDecoded
        self.rollupRows = rollupRows
    }

    /// Which data answered: "raw", "rollups" or "rollups+raw".
    public var path: String {
        rollupRows == 0 ? "raw" : (pointsDecoded == 0 ? "rollups" : "rollups+raw")
    }

    public var description: String {
        "path \(path): \(rollupRows) rollup rows, \(pointsDecoded) raw values decoded"
    }
}
