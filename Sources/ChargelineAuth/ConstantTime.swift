/// Comparison whose running time does not depend on where two secrets differ, so an attacker
/// timing answers learns nothing about a stored hash.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes; the time depends only on the lengths.
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
