import ChargelineCore
import ChargelineStorage
import Foundation

/// A SELECT bound to one measurement: what to scan, how to group, what to compute per row or
/// bucket, and how to shape the output. Built by `Planner`, adjusted by the optimizer rules,
/// run by `SelectExecutor`.
struct SelectPlan: Sendable {
    /// The result columns of `latest()` after `time`: one row per field.
    static let latestColumns = ["field", "value"]

    enum Kind: Sendable {
        /// Rows as stored (optionally with math and transforms).
        case raw
        /// Aggregates per group (and per bucket with GROUP BY time).
        case aggregate
        /// Aggregates per state window or condition episode.
        case window(WindowSpecPlan)
        /// `latest(*)`: the last value of each field with its own time.
        case latest
    }

    /// One aggregate call, answered into slot `index` of a bucket row.
    struct Call: Sendable {
        var fn: AggregateFunction
        /// Scan slot of the field.
        var field: Int
        var type: FieldType
        var parameter: Double
        /// Unit for integral (ns).
        var unit: Int64 = 1_000_000_000
        /// Whether block statistics may answer it (set by `StatAggregateRule`).
        var useStats = false
        /// top/bottom's tag arguments (`top(temperature, pile, 3)`): the N points with
        /// distinct values of these tags, each the max (min) of its tag values' series.
        var tags: [String] = []
    }

    /// One output column.
    struct Column: Sendable {
        var name: String
        /// Per row (raw) or per bucket over call slots (aggregate).
        var expr: RExpr
        var transform: Transform?
    }

    struct Transform: Sendable {
        var fn: TransformFunction
        /// derivative/elapsed unit (ns); the GROUP BY time() interval for holt_winters.
        var unit: Int64
        /// moving_average's window; holt_winters' forecast length.
        var n: Int
        /// holt_winters' season length (buckets).
        var season = 0
        /// Math applied to each output value (`derivative(...) * 3600`): `.slot(0)` is the
        /// transform's value; nil for none.
        var post: RExpr? = nil
    }

    struct Group: Sendable {
        var tags: [ResultSeries.Tag]
        /// Indices into `catalog.series`.
        var series: [Int]
    }

    /// A comparison `field op constant` from the WHERE clause, usable against block min/max.
    struct Bound: Sendable {
        var field: Int
        var op: String
        var value: Double
    }

    var measurement: String
    var catalog: SeriesCatalog
    var range: TimeRange
    var hasLowerBound: Bool
    var windowing: Windowing?
    var zone: TimeZone?
    /// Field names to scan (a call's or an expression's `field` indexes this list).
    var fields: [String] = []
    var fieldTypes: [FieldType] = []
    /// Row filter over field slots and tags (WHERE conditions that touch fields).
    var filter: RExpr?
    /// Field-versus-constant conjuncts of the WHERE row filter, for pruning by block statistics.
    var bounds: [Bound] = []
    /// Field-versus-constant conjuncts of an `episode()` condition: a group none of whose
    /// series can meet one of them (by block statistics) has no episode.
    var episodeBounds: [Bound] = []
    var groups: [Group] = []
    var kind: Kind = .raw
    var calls: [Call] = []
    var columns: [Column] = []
    /// A lone selector without GROUP BY time: rows carry the selected point's time.
    var pointTime = false
    var fill: Fill = .null
    var having: RExpr?
    var descending = false
    /// Transforms over GROUP BY time() buckets read one extra bucket before the range (as
    /// InfluxDB 1.6's ExtraIntervals), so the first bucket of the range has an output; rows before this
    /// time are dropped after the transform. nil when no bucket was added.
    var outputStart: Int64?
    var limit = 0
    var offset = 0
    /// GROUP BY tag keys, in output order.
    var groupKeys: [String] = []
    /// Bucket length (ns) of the rollup the measurement's database keeps, when the plan reads
    /// raw data of a store with rollups (set by `QueryEngine`; nil otherwise).
    var rollupBucket: Int64?
    /// Read rollup rows for the buckets they answer exactly (set by `RollupReadRule`).
    var readsRollups = false

    /// Whether no output column reads a field of the measurement (every selected field is
    /// unknown here): the measurement then adds no series, as in InfluxDB 1.x.
    var readsNoField: Bool {
        switch kind {
        case .raw: !columns.contains { $0.expr.readsField }
        case .aggregate, .window: calls.isEmpty
        case .latest: false
        }
    }
}

extension RExpr {
    /// Whether the expression reads a field slot or an aggregate slot.
    var readsField: Bool {
        switch self {
        case .field, .slot: true
        case .tag, .time, .literal, .pattern: false
        case .binary(_, let l, let r): l.readsField || r.readsField
        case .negate(let x): x.readsField
        case .math(_, let args): args.contains { $0.readsField }
        }
    }
}

/// A resolved state() or episode() window.
enum WindowSpecPlan: Sendable {
    case state(field: Int)
    case episode(condition: RExpr, minDuration: Int64)
}
