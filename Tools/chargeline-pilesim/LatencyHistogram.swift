import Histogram
import NIOCore

/// Reply latencies in microseconds (HdrHistogram, 3 significant digits, up to 60 s).
struct LatencyHistogram: Codable {
    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

    mutating func record(_ amount: TimeAmount) {
        _ = histogram.record(UInt64(max(0, min(60_000_000, amount.nanoseconds / 1000))))
    }

    mutating func add(_ other: LatencyHistogram) { histogram.add(other.histogram) }

    var count: UInt64 { histogram.totalCount }

    /// `n=... p50=...ms p99=...ms p999=...ms max=...ms`.
    var summary: String {
        guard count > 0 else { return "n=0" }
        func ms(_ us: UInt64) -> String {
            let v = Double(us) / 1000
            return v < 10 ? String(format: "%.2f", v) : String(format: "%.1f", v)
        }
        return "n=\(count) p50=\(ms(histogram.valueAtPercentile(50)))ms p99=\(ms(histogram.valueAtPercentile(99)))ms "
            + "p999=\(ms(histogram.valueAtPercentile(99.9)))ms max=\(ms(histogram.max))ms"
    }
}

import Foundation
