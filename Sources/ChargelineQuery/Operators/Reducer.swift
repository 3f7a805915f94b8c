import ChargelineCore
import ChargelineStorage
import Foundation

/// Accumulates the values of one aggregate call in one bucket (or window). Values arrive as
/// slices of decoded columns, as single values, or as block statistics; partial reducers of
/// the same call merge (series answered on different cores).
struct Reducer: Sendable {
    let fn: AggregateFunction
    let type: FieldType
    /// percentile's N, top/bottom's N.
    let parameter: Double

    var count = 0
    var sumF = 0.0
    /// Integer and unsigned fields: the wrapping sum of the 64-bit patterns (what `sum()`
    /// returns, modulo 2^64 as in InfluxDB) and how many times it wrapped (+1 up, -1 down;
    /// unsigned: up only), so `mean()` is the mean of the true sum, as InfluxDB's float mean.
    var sumI: Int64 = 0
    var sumCarry: Int64 = 0
    var minKey = Double.infinity, minBits: UInt64 = 0, minT = Int64.max
    var maxKey = -Double.infinity, maxBits: UInt64 = 0, maxT = Int64.max
    var firstT = Int64.max, firstV: Value = .null
    var lastT = Int64.min, lastV: Value = .null
    /// Kept for median, mode, percentile, stddev, top, bottom, distinct.
    var points: [(t: Int64, v: Value)] = []

    init(_ fn: AggregateFunction, type: FieldType, parameter: Double = 0) {
        self.fn = fn
        self.type = type
        self.parameter = parameter
    }

    private var keepsPoints: Bool {
        switch fn {
        case .median, .mode, .percentile, .stddev, .top, .bottom, .distinct, .integral: true
        case .count: parameter < 0  // count(distinct(x))
        default: false
        }
    }

    @inline(__always)
    private func key(_ bits: UInt64) -> Double {
        switch type {
        case .float: Double(bitPattern: bits)
        case .integer: Double(Int64(bitPattern: bits))
        case .unsigned: Double(bits)
        default: Double(bits)
        }
    }

    /// Adds `data[range]` (sorted by time).
    mutating func add(_ data: ColumnData, _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        if type == .string || keepsPoints {
            for i in range { add(data.timestamps[i], data.value(at: i).queryValue, bits: type == .string ? 0 : data.bits[i]) }
            return
        }
        count += range.count
        let ts = data.timestamps
        data.bits.withUnsafeBufferPointer { b in
            switch fn {
            case .sum, .mean:
                if type == .float {
                    var s = sumF
                    for i in range { s += Double(bitPattern: b[i]) }
                    sumF = s
                } else if type == .unsigned {
                    var s = UInt64(bitPattern: sumI), c = sumCarry
                    for i in range {
                        let (r, o) = s.addingReportingOverflow(b[i])
                        s = r
                        if o { c &+= 1 }
                    }
                    sumI = Int64(bitPattern: s)
                    sumCarry = c
                } else {
                    var s = sumI, c = sumCarry
                    for i in range {
                        let x = Int64(bitPattern: b[i])
                        let (r, o) = s.addingReportingOverflow(x)
                        s = r
                        if o { c &+= x < 0 ? -1 : 1 }
                    }
                    sumI = s
                    sumCarry = c
                }
            case .min, .max, .spread:
                for i in range {
                    let k = key(b[i])
                    if k < minKey { minKey = k; minBits = b[i]; minT = ts[i] }
                    if k > maxKey { maxKey = k; maxBits = b[i]; maxT = ts[i] }
                }
            default:
                break
            }
        }
        if ts[range.lowerBound] <= firstT { offerFirst(ts[range.lowerBound], data.value(at: range.lowerBound).queryValue) }
        if ts[range.upperBound - 1] >= lastT { offerLast(ts[range.upperBound - 1], data.value(at: range.upperBound - 1).queryValue) }
    }

    /// Adds one value (`bits` is its 64-bit pattern for numbers and booleans).
    mutating func add(_ t: Int64, _ v: Value, bits: UInt64) {
        if v.isNull { return }
        count += 1
        if keepsPoints { points.append((t, v)); return }
        if type != .string {
            if type == .float { sumF += Double(bitPattern: bits) } else { addToSum(bits) }
            let k = key(bits)
            if k < minKey || (k == minKey && t < minT) { minKey = k; minBits = bits; minT = t }
            if k > maxKey || (k == maxKey && t < maxT) { maxKey = k; maxBits = bits; maxT = t }
        }
        if t <= firstT { offerFirst(t, v) }
        if t >= lastT { offerLast(t, v) }
    }

    /// Adds one 64-bit pattern to the integer or unsigned sum, counting wraps.
    @inline(__always)
    private mutating func addToSum(_ bits: UInt64) {
        if type == .unsigned {
            let (r, o) = UInt64(bitPattern: sumI).addingReportingOverflow(bits)
            sumI = Int64(bitPattern: r)
            if o { sumCarry &+= 1 }
        } else {
            let x = Int64(bitPattern: bits)
            let (r, o) = sumI.addingReportingOverflow(x)
            sumI = r
            if o { sumCarry &+= x < 0 ? -1 : 1 }
        }
    }

    /// first/last: an earlier (later) point wins; at the same time (points of different series
    /// in one group) the larger value wins, as InfluxDB 1.x's First/Last reducers decide, so the
    /// answer does not depend on which series or core reported first.
    private mutating func offerFirst(_ t: Int64, _ v: Value) {
        if t < firstT || Reducer.greater(v, firstV) { firstT = t; firstV = v }
    }

    private mutating func offerLast(_ t: Int64, _ v: Value) {
        if t > lastT || Reducer.greater(v, lastV) { lastT = t; lastV = v }
    }

    /// InfluxDB's tie order: numbers by value, strings bytewise, true above false; null lowest.
    static func greater(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, _): return false
        case (_, .null): return true
        case (.string(let x), .string(let y)): return x > y
        case (.boolean(let x), .boolean(let y)): return x && !y
        default:
            if case .integer(let x) = a, case .integer(let y) = b { return x > y }
            return (a.number ?? -.infinity) > (b.number ?? -.infinity)
        }
    }

    /// Adds a value given as a `Value` (window operator, subqueries).
    mutating func add(_ t: Int64, _ v: Value) {
        switch v {
        case .float(let d): add(t, v, bits: d.bitPattern)
        case .integer(let i): add(t, v, bits: UInt64(bitPattern: i))
        case .unsigned(let u): add(t, v, bits: u)
        case .boolean(let b): add(t, v, bits: b ? 1 : 0)
        default: add(t, v, bits: 0)
        }
    }

    /// Adds a whole block from its statistics (the caller checked `answerableFromStats`).
    mutating func add(stats m: BlockMeta) {
        count += Int(m.count)
        if type == .float { sumF += Double(bitPattern: m.sum) } else { addToSum(m.sum) }
        let lo = key(m.min), hi = key(m.max)
        if lo < minKey { minKey = lo; minBits = m.min; minT = m.minTime }
        if hi > maxKey { maxKey = hi; maxBits = m.max; maxT = m.minTime }
        if m.minTime <= firstT { offerFirst(m.minTime, Value(type: type, bits: m.first)) }
        if m.maxTime >= lastT { offerLast(m.maxTime, Value(type: type, bits: m.last)) }
    }

    /// Adds a rollup row (the caller checked `answerableFromRollups`). Min and max carry the
    /// bucket start as their time: rollups keep none, and it orders ties as the points would
    /// (no raw point read beside a rollup row lies in its bucket).
    mutating func add(rollup r: RollupRow) {
        guard r.count > 0 else { return }
        count += r.count
        if type == .float { sumF += Double(bitPattern: r.sum) } else { addToSum(r.sum) }
        let lo = key(r.min), hi = key(r.max)
        if lo < minKey || (lo == minKey && r.time < minT) { minKey = lo; minBits = r.min; minT = r.time }
        if hi > maxKey || (hi == maxKey && r.time < maxT) { maxKey = hi; maxBits = r.max; maxT = r.time }
        if r.firstTime <= firstT { offerFirst(r.firstTime, Value(type: type, bits: r.first)) }
        if r.lastTime >= lastT { offerLast(r.lastTime, Value(type: type, bits: r.last)) }
    }

    /// Folds in a partial reducer of the same call.
    mutating func merge(_ o: Reducer) {
        guard o.count > 0 else { return }
        count += o.count
        sumF += o.sumF
        addToSum(UInt64(bitPattern: o.sumI))
        sumCarry &+= o.sumCarry
        if o.minKey < minKey || (o.minKey == minKey && o.minT < minT) { minKey = o.minKey; minBits = o.minBits; minT = o.minT }
        if o.maxKey > maxKey || (o.maxKey == maxKey && o.maxT < maxT) { maxKey = o.maxKey; maxBits = o.maxBits; maxT = o.maxT }
        if o.firstT <= firstT { offerFirst(o.firstT, o.firstV) }
        if o.lastT >= lastT { offerLast(o.lastT, o.lastV) }
        points += o.points
    }

    /// The results: one (time, value) for most functions, several for top/bottom/distinct.
    /// `time` is nil when the bucket start should be used.
    func results() -> [(time: Int64?, value: Value)] {
        if fn == .count { return [(nil, .integer(Int64(parameter < 0 ? Set(points.map(\.v)).count : count)))] }
        guard count > 0 else { return [(nil, .null)] }
        switch fn {
        case .count: return [(nil, .integer(Int64(count)))]
        // `sumI` is the wrapping sum of the 64-bit patterns: read back as unsigned for
        // unsigned fields (InfluxDB's sum of unsigned values stays unsigned, modulo 2^64).
        case .sum: return [(nil, type == .float ? .float(sumF) : type == .unsigned ? .unsigned(UInt64(bitPattern: sumI)) : .integer(sumI))]
        case .mean:
            let low = type == .unsigned ? Double(UInt64(bitPattern: sumI)) : Double(sumI)
            let total = type == .float ? sumF : low + Double(sumCarry) * 18_446_744_073_709_551_616.0  // carry x 2^64
            return [(nil, .float(total / Double(count)))]
        case .min: return [(minT, Value(type: type, bits: minBits))]
        case .max: return [(maxT, Value(type: type, bits: maxBits))]
        case .first: return [(firstT, firstV)]
        case .last: return [(lastT, lastV)]
        case .spread:
            if type == .float { return [(nil, .float(Double(bitPattern: maxBits) - Double(bitPattern: minBits)))] }
            if type == .unsigned { return [(nil, .unsigned(maxBits &- minBits))] }
            return [(nil, .integer(Int64(bitPattern: maxBits) &- Int64(bitPattern: minBits)))]
        case .median:
            let v = points.compactMap { $0.v.number }.sorted()
            if v.count % 2 == 1 { return [(nil, .float(v[v.count / 2]))] }
            return [(nil, .float(v[v.count / 2 - 1] + (v[v.count / 2] - v[v.count / 2 - 1]) / 2))]
        case .mode:
            var counts: [Value: Int] = [:]
            for p in points { counts[p.v, default: 0] += 1 }
            let best = counts.max { a, b in a.value != b.value ? a.value < b.value : Reducer.less(b.key, a.key) }!
            return [(nil, best.key)]
        case .stddev:
            guard count > 1 else { return [(nil, .null)] }
            let v = points.compactMap { $0.v.number }
            let mean = v.reduce(0, +) / Double(v.count)
            let ss = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            return [(nil, .float((ss / Double(v.count - 1)).squareRoot()))]
        case .percentile:
            let sorted = points.sorted { Reducer.less($0.v, $1.v) || ($0.v == $1.v && $0.t < $1.t) }
            let i = Int((Double(sorted.count) * parameter / 100 + 0.5).rounded(.down)) - 1
            guard i >= 0, i < sorted.count else { return [(nil, .null)] }
            return [(sorted[i].t, sorted[i].v)]
        case .top, .bottom:
            let n = Int(parameter)
            let ordered = points.sorted { a, b in
                if a.v != b.v { return fn == .top ? Reducer.less(b.v, a.v) : Reducer.less(a.v, b.v) }
                return a.t < b.t
            }
            return ordered.prefix(n).sorted { $0.t < $1.t }.map { ($0.t, $0.v) }
        case .distinct:
            var seen = Set<Value>()
            var out: [(Int64?, Value)] = []
            for p in points.sorted(by: { $0.t < $1.t }) where seen.insert(p.v).inserted { out.append((nil, p.v)) }
            return out
        case .integral:
            return [(nil, .null)]
        }
    }

    static func less(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x < y
        case (.boolean(let x), .boolean(let y)): return !x && y
        default: return (a.number ?? 0) < (b.number ?? 0)
        }
    }
}

extension Value {
    /// A value of `type` from its stored 64-bit pattern (not for strings).
    init(type: FieldType, bits: UInt64) {
        switch type {
        case .float: self = .float(Double(bitPattern: bits))
        case .integer: self = .integer(Int64(bitPattern: bits))
        case .unsigned: self = .unsigned(bits)
        case .boolean: self = .boolean(bits != 0)
        case .string: self = .null
        }
    }
}

extension FieldValue {
    /// As a query `Value`.
    var queryValue: Value {
        switch self {
        case .float(let v): .float(v)
        case .integer(let v): .integer(v)
        case .unsigned(let v): .unsigned(v)
        case .boolean(let v): .boolean(v)
        case .string(let v): .string(v)
        }
    }
}
