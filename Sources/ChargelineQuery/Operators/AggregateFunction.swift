/// The aggregate and selector functions (one value, or N for top/bottom/distinct, per group
/// and bucket).
enum AggregateFunction: String, Sendable, CaseIterable {
    case count, sum, mean, median, mode, min, max, first, last, spread, stddev, percentile, integral, top, bottom, distinct

    /// Selectors return one of the input points, so they can carry its timestamp.
    var isSelector: Bool {
        switch self {
        case .min, .max, .first, .last, .percentile, .top, .bottom: true
        default: false
        }
    }

    /// Whether block statistics (count, sum, min, max, first, last) answer it exactly.
    /// `min`/`max` only when the point's own time is not needed (the stats carry no time).
    var answerableFromStats: Bool {
        switch self {
        case .count, .sum, .mean, .min, .max, .first, .last, .spread: true
        default: false
        }
    }

    /// Whether hourly rollup rows (count, sum, min, max, first and last with their times)
    /// answer it exactly: mean is Σsum / Σcount, spread max - min.
    var answerableFromRollups: Bool {
        switch self {
        case .count, .sum, .mean, .min, .max, .first, .last, .spread: true
        default: false
        }
    }

    /// Whether the function accepts strings and booleans (others need numbers).
    var acceptsNonNumeric: Bool {
        switch self {
        case .count, .first, .last, .distinct, .mode: true
        default: false
        }
    }
}

/// Functions applied to a sequence of values (raw points or aggregated buckets), one output
/// per input after the first (or after N for moving_average).
enum TransformFunction: String, Sendable, CaseIterable {
    case derivative, non_negative_derivative, difference, non_negative_difference, moving_average, cumulative_sum, elapsed
    case holt_winters, holt_winters_with_fit
}
