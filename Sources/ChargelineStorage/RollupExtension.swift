/// Aggregates a rollup computes per series and bucket beyond the generic per-field ones
/// (`RollupAggregate`): figures an application needs that sums, extremes and increases cannot
/// give (how long a series held some value, say). Storage knows nothing of what they mean:
/// the application defines an extension and registers it in `RollupOptions.extensions`;
/// storage calls it and stores the values it returns in the bucket's row, after the generic
/// columns, as fields named `fieldNames`.
///
/// Contract:
/// - `compute` is called once per series and bucket range of a rollup run (never per row),
///   on the run's thread, with the series' columns read over the range widened by the
///   bucket length before it and `reach` after it. It must be deterministic: a recomputed
///   bucket (late rows) must give the row the same columns would give a first run.
/// - Rows are appended in ascending, distinct bucket-start order, only for buckets of the
///   range; a bucket without a row gets none of the extension's fields.
/// - An extension is immutable once registered (it is `Sendable` and shared by every
///   database of a store).
public protocol RollupExtension: Sendable {
    /// A name for messages and for telling extensions apart (also a good prefix of its fields).
    var name: String { get }
    /// The stored field names, in write order: `RollupExtensionRows` holds one value per name
    /// per row. They must not end like generic aggregate columns (`_min`, `_sum`, ...), so a
    /// prefix of their own (`usage_`) is the rule.
    var fieldNames: [String] { get }
    /// How far past its own time a sample shapes this extension's buckets (ns, at most one
    /// bucket length): the read covers that much past a bucket range, and a late row marks
    /// stale the bucket that far before it too.
    var reach: Int64 { get }
    /// Whether the series of `measurement` get this extension's fields (asked once per
    /// measurement per run).
    func applies(to measurement: String) -> Bool
    /// Appends the rows of one series for the buckets of length `bucketLength` starting in
    /// `buckets`, from its columns (`FieldColumn`, sorted by time) read over at least
    /// `[first start - bucketLength, last start + bucketLength + reach)`. `rows` comes empty.
    func compute(_ columns: [FieldColumn], bucketLength: Int64, buckets: ClosedRange<Int64>, into rows: inout RollupExtensionRows)
    /// Whether `other` computes the same fields from the same settings (`RollupOptions` equality).
    func isEqual(to other: any RollupExtension) -> Bool
}

extension RollupExtension where Self: Equatable {
    /// Equal when `other` is the same type with equal settings.
    public func isEqual(to other: any RollupExtension) -> Bool { (other as? Self) == self }
}

/// One value of a `RollupExtension` row: stored as an integer or float field, or not at all.
public enum RollupExtensionValue: Sendable, Equatable {
    case absent
    case integer(Int64)
    case float(Double)
}

/// The rows a `RollupExtension` computes for one series: per row its bucket start and one
/// value per field name. Storage keeps one per extension per run and empties it between
/// series (keeping capacity), so rows cost no allocation in steady state.
public struct RollupExtensionRows: Sendable {
    /// Values per row (the extension's field count).
    public let width: Int
    /// Bucket start of each row, ascending.
    public private(set) var starts: [Int64] = []
    /// Row-major values, `width` per row.
    private var values: [RollupExtensionValue] = []

    /// Rows of `width` values each.
    public init(width: Int) { self.width = width }

    /// Number of rows.
    public var count: Int { starts.count }

    /// Appends a row for the bucket starting at `start` (after every row so far), all its
    /// values `.absent`, and returns its index.
    public mutating func append(start: Int64) -> Int {
        precondition(starts.last.map { $0 < start } ?? true, "BUG: rollup extension rows must come in ascending bucket order")
        starts.append(start)
        for _ in 0..<width { values.append(.absent) }
        return starts.count - 1
    }

    /// Value `field` of row `row`.
    public subscript(row: Int, field: Int) -> RollupExtensionValue {
        get { values[row * width + field] }
        set { values[row * width + field] = newValue }
    }

    /// Drops every row, keeping the capacity.
    mutating func removeAll() {
        starts.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }
}
