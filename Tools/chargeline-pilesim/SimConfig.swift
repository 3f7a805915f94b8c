/// What one simulator worker process runs (passed from the coordinator as JSON).
struct SimConfig: Codable, Sendable {
    var host: String
    var port: Int
    /// First and one-past-last pile index of this worker.
    var first: Int
    var end: Int
    /// Pile code of index 0 (packed BCD); index i is this plus i's decimal digits.
    var codeBase: UInt64
    /// Source addresses to spread connections over (127.0.0.1 ... 127.0.0.N).
    var sources: Int
    /// Logins per second for this worker.
    var loginRate: Double
    /// Fraction of piles charging.
    var chargingFraction: Double
    var heartbeatSeconds: Double
    var realtimeSeconds: Double
    var idleRealtimeSeconds: Double
    /// Typical session length, minutes (each session lasts 0.5-1.5 times this).
    var sessionMinutes: Double
    /// Seconds to keep running after the last pile logged in.
    var duration: Double
    /// Fault fractions.
    var overheat: Double
    var sag: Double
    var silent: Double
    var badCRC: Double
    var split: Double
    var highByteFirstCRC: Double
    var seed: UInt64
    var threads: Int
}

/// A pile code for index `i`: `codeBase` plus `i` written in decimal digits (BCD).
func pileCode(base: UInt64, index: Int) -> UInt64 {
    var v: UInt64 = 0
    var shift: UInt64 = 0
    var i = index
    repeat {
        v |= UInt64(i % 10) << shift
        shift += 4
        i /= 10
    } while i > 0
    return base + v
}
