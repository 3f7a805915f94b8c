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
public struct StatementResult: Sendable, Equatable {
    public var statementID: Int
    public var series: [ResultSeries]
    /// Set when the statement failed; `series` is then empty.
    public var error: String?

    public init(statementID: Int, series: [ResultSeries] = [], error: String? = nil) {
        self.statementID = statementID
        self.series = series
        self.error = error
    }
}
