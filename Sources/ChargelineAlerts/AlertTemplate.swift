/// An annotation template: text with `{{ $labels.NAME }}` and `{{ $value }}` placeholders, as
/// Prometheus' templates write them (`{{ .Labels.NAME }}` and `{{ .Value }}` too). Nothing else
/// of Go's template language is understood: anything else between `{{` and `}}` is refused when
/// the rules load.
public struct AlertTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case text(String)
        case label(String)
        case value
    }

    let parts: [Part]

    /// Parses `text`.
    /// - Throws: `AlertTemplate.Failure` naming the placeholder it does not understand.
    public init(_ text: String) throws {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw Failure(message: "`{{` without a closing `}}` in \"\(text)\"")
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if inner == "$value" || inner == ".Value" {
                parts.append(.value)
            } else if let name = Self.label(inner) {
                parts.append(.label(name))
            } else {
                throw Failure(message: "template placeholder {{ \(inner) }} is not understood: use {{ $labels.NAME }} or {{ $value }}")
            }
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    private static func label(_ inner: String) -> String? {
        for prefix in ["$labels.", ".Labels."] where inner.hasPrefix(prefix) {
            let name = String(inner.dropFirst(prefix.count))
            if !name.isEmpty && name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { return name }
        }
        return nil
    }

    /// The text for an instance: a label it lacks expands to nothing (as Prometheus' does).
    public func expand(labels: [String: String], value: Double) -> String {
        var out = ""
        for p in parts {
            switch p {
            case .text(let t): out += t
            case .label(let n): out += labels[n] ?? ""
            case .value: out += Self.format(value)
            }
        }
        return out
    }

    /// A value as Prometheus prints one: integers without a fraction, others in the shortest
    /// form that reads back to the same double.
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// A template that does not parse.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
