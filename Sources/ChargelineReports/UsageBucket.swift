import ChargelineCore
import ChargelineStorage

/// The per-hour aggregates a daily usage report needs beyond the per-field ones, computed by
/// `UsageRollupExtension` when a bucket is materialised, from the bucket's raw samples plus
/// those up to `maxGap` after it, by the rules of `DailyUsageRules` (the raw path's too).
///
/// Every duration is attributed to the bucket of the sample that starts it: a sample `a` with
/// successor `b` (none: +inf) holds `[a, min(b, a + maxGap))`; the part inside the bucket is
/// `*Ns`, the part past its end (at most `maxGap`, so inside the next bucket) `*SpillNs`. A day
/// (hour-aligned) is then exactly: its buckets' `*Ns` + the spill of the bucket before it +
/// the spills of its buckets but the last. Stored as fields `usage_<name>` (docs/format/rollup-state.md).
struct UsageBucket: Equatable, Sendable {
    var start: Int64
    /// Status samples = charging: held time in / past the bucket.
    var chargingNs: Int64 = 0, chargingSpillNs: Int64 = 0
    /// Status samples = fault.
    var faultNs: Int64 = 0, faultSpillNs: Int64 = 0
    /// Consecutive report times no more than `maxGap` apart: `[a, b)` in / past the bucket.
    var onlineNs: Int64 = 0, onlineSpillNs: Int64 = 0
    /// Status samples = charging whose previous status sample, in the same bucket, is not
    /// (the bucket's first sample is judged by the reader against the previous bucket's last).
    var sessionStarts: Int64 = 0
    /// Highest voltage x current / 1000 at report times with voltage and current but no power.
    var vcPeakKW: Double?

    /// The field names, in write order.
    static let fieldNames = ["usage_charging_ns", "usage_charging_spill_ns", "usage_fault_ns", "usage_fault_spill_ns",
                             "usage_online_ns", "usage_online_spill_ns", "usage_session_starts", "usage_max_gap",
                             "usage_vc_peak_kw"]

    /// The usage buckets of one series whose start lies in `buckets`, from its columns read
    /// over at least `[first bucket start - maxGap, last bucket end + maxGap)`. Buckets without
    /// a report-field sample get none.
    static func compute(_ columns: [FieldColumn], rules: DailyUsageRules, length: Int64,
                        buckets: ClosedRange<Int64>) -> [UsageBucket] {
        precondition(rules.maxGap > 0 && rules.maxGap <= length, "BUG: usage maxGap must be in (0, bucket length]")
        // Buckets of the range by index (the range is a run's chunk: a day, or a few stale hours).
        let first = buckets.lowerBound
        let count = Int((buckets.upperBound - first) / length) + 1
        var out = [UsageBucket?](repeating: nil, count: count)
        @inline(__always) func index(_ t: Int64) -> Int? {
            guard t >= first else { return nil }
            let i = (t - first) / length
            return i < count ? Int(i) : nil
        }
        @inline(__always) func touch(_ i: Int) {
            if out[i] == nil { out[i] = UsageBucket(start: first + Int64(i) * length) }
        }
        // Takes the column's bits array, not the column: reading through the struct per row
        // retained and released the array for every value.
        @inline(__always) func numeric(_ type: FieldType, _ bits: [UInt64], _ k: Int) -> Double {
            switch type {
            case .float: Double(bitPattern: bits[k])
            case .integer: Double(Int64(bitPattern: bits[k]))
            case .unsigned: Double(bits[k])
            case .boolean: bits[k] != 0 ? 1 : 0
            case .string: .nan
            }
        }
        /// Adds `[lo, hi)` (lo in bucket `i`) to own / spill.
        func hold(_ i: Int, _ lo: Int64, _ hi: Int64, _ own: WritableKeyPath<UsageBucket, Int64>, _ spill: WritableKeyPath<UsageBucket, Int64>) {
            guard hi > lo else { return }
            touch(i)
            let end = out[i]!.start &+ length
            out[i]![keyPath: own] += min(hi, end) - lo
            if hi > end { out[i]![keyPath: spill] += hi - end }
        }
        var report: [[Int64]] = []
        var power: FieldColumn?, voltage: FieldColumn?, current: FieldColumn?
        for c in columns where rules.reportFields.contains(c.name) && c.type != .string && c.type != .boolean {
            report.append(c.timestamps)
            switch c.name {
            case rules.powerField: power = c
            case rules.voltageField: voltage = c
            case rules.currentField: current = c
            default: break
            }
            if c.name == rules.statusField {
                let ts = c.timestamps, bits = c.bitPatterns, type = c.type
                for k in 0..<ts.count {
                    let a = ts[k]
                    guard let i = index(a) else { continue }
                    let v = numeric(type, bits, k)
                    let hi = rules.heldUntil(a, next: k + 1 < ts.count ? ts[k + 1] : nil)
                    if v == rules.chargingCode { hold(i, a, hi, \.chargingNs, \.chargingSpillNs) }
                    if v == rules.faultCode { hold(i, a, hi, \.faultNs, \.faultSpillNs) }
                    // The bucket's first sample is judged by the reader (previous bucket's last).
                    if k > 0, index(ts[k - 1]) == i, rules.startsSession(v, previous: numeric(type, bits, k - 1)) {
                        out[i]!.sessionStarts += 1  // touched by hold above
                    }
                }
            }
        }
        // Report times: a k-way merge of the fields' sorted timestamps, duplicates once.
        var cursors = [Int](repeating: 0, count: report.count)
        var previous: Int64?
        while true {
            var t = Int64.max, found = false
            for f in 0..<report.count where cursors[f] < report[f].count {
                let v = report[f][cursors[f]]
                if !found || v < t { t = v; found = true }
            }
            guard found else { break }
            for f in 0..<report.count where cursors[f] < report[f].count && report[f][cursors[f]] == t { cursors[f] += 1 }
            if let a = previous, rules.isOnline(from: a, to: t), let i = index(a) { hold(i, a, t, \.onlineNs, \.onlineSpillNs) }
            if let i = index(t) { touch(i) }
            previous = t
        }
        if let voltage, let current {
            var v = 0, c = 0, p = 0
            let pt = power?.timestamps ?? []
            let vt = voltage.timestamps, ct = current.timestamps, vb = voltage.bitPatterns, cb = current.bitPatterns
            while v < vt.count && c < ct.count {
                if vt[v] < ct[c] { v += 1; continue }
                if ct[c] < vt[v] { c += 1; continue }
                let t = vt[v]
                while p < pt.count && pt[p] < t { p += 1 }
                if let i = index(t), !(p < pt.count && pt[p] == t) {
                    let kw = DailyUsageRules.powerKW(voltage: numeric(voltage.type, vb, v), current: numeric(current.type, cb, c))
                    touch(i)
                    out[i]!.vcPeakKW = max(out[i]!.vcPeakKW ?? kw, kw)
                }
                v += 1
                c += 1
            }
        }
        return out.compactMap { $0 }
    }

    /// Appends this bucket as a row of `rows`, its values in `fieldNames` order (`maxGap`
    /// is stored so a reader can tell rows of another max gap).
    func append(maxGap: Int64, to rows: inout RollupExtensionRows) {
        let r = rows.append(start: start)
        rows[r, 0] = .integer(chargingNs); rows[r, 1] = .integer(chargingSpillNs)
        rows[r, 2] = .integer(faultNs); rows[r, 3] = .integer(faultSpillNs)
        rows[r, 4] = .integer(onlineNs); rows[r, 5] = .integer(onlineSpillNs)
        rows[r, 6] = .integer(sessionStarts); rows[r, 7] = .integer(maxGap)
        if let vcPeakKW { rows[r, 8] = .float(vcPeakKW) }
    }
}
