/// Case variants of each scalar for `(?i)`, close to Go's simple case folding: two scalars
/// are variants when they have the same key, the lowercase of the uppercase (single-scalar
/// mappings only). So `k`, `K` and the Kelvin sign are variants, as are `s`, `S` and long s,
/// and the three Greek sigmas. Built once, on first use of `(?i)`.
final class CaseFolding: Sendable {
    static let shared = CaseFolding()

    /// Scalars that have case variants, ascending.
    private let cased: [UInt32]
    /// For `cased[i]`, the other members of its group.
    private let variants: [[UInt32]]

    private init() {
        var groups: [UInt32: [UInt32]] = [:]
        var keys: [(UInt32, UInt32)] = []
        // Cased scalars end below U+1E944 (Adlam); scanning to U+1F000 keeps a margin.
        for v in UInt32(0)..<0x1F000 {
            guard let s = Unicode.Scalar(v), s.properties.changesWhenCaseMapped else { continue }
            // Dotless i: Go folds it with nothing (Turkic mappings are not simple folds).
            if v == 0x131 { continue }
            let upper = Self.single(s.properties.uppercaseMapping) ?? s
            let key = Self.single(upper.properties.lowercaseMapping) ?? upper
            groups[key.value, default: []].append(v)
            keys.append((v, key.value))
        }
        var cased: [UInt32] = []
        var variants: [[UInt32]] = []
        for (v, key) in keys {
            var members = groups[key] ?? []
            if !members.contains(key) { members.append(key) }
            let others = members.filter { $0 != v }
            if others.isEmpty { continue }
            cased.append(v)
            variants.append(others)
        }
        self.cased = cased
        self.variants = variants
    }

    private static func single(_ s: String) -> Unicode.Scalar? {
        var it = s.unicodeScalars.makeIterator()
        guard let first = it.next(), it.next() == nil else { return nil }
        return first
    }

    /// Calls `body` with each case variant of each scalar in `range`.
    func forEachVariant(in range: ClosedRange<UInt32>, _ body: (UInt32) -> Void) {
        var lo = 0
        var hi = cased.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if cased[mid] < range.lowerBound { lo = mid + 1 } else { hi = mid }
        }
        var i = lo
        while i < cased.count, cased[i] <= range.upperBound {
            for v in variants[i] { body(v) }
            i += 1
        }
    }
}
