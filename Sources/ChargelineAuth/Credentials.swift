import Foundation

/// Credentials as InfluxDB 1.x takes them from a request: the `u` and `p` parameters first,
/// then the `Authorization` header: `Basic base64(user:password)`, `Token user:password` (the
/// 2.x compatibility form) or `Bearer <token>` (a token made by `CREATE TOKEN FOR user`).
public enum Credentials: Sendable, Equatable {
    /// A user name and password.
    case password(user: String, password: String)
    /// A bearer token.
    case token(String)

    /// The credentials a request carries; nil when it carries none that parse.
    /// - Parameters:
    ///   - parameters: the decoded URL (and form) parameters.
    ///   - authorization: the `Authorization` header, if any.
    public static func from(parameters: [String: String], authorization: String?) -> Credentials? {
        if let u = parameters["u"], let p = parameters["p"], !u.isEmpty, !p.isEmpty {
            return .password(user: u, password: p)
        }
        guard let header = authorization else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "basic":
            guard let data = Data(base64Encoded: value), let text = String(data: data, encoding: .utf8) else { return nil }
            return userAndPassword(text)
        case "token":
            return userAndPassword(value)
        case "bearer":
            return value.isEmpty ? nil : .token(value)
        default:
            return nil
        }
    }

    private static func userAndPassword(_ text: String) -> Credentials? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let user = String(text[..<colon]), password = String(text[text.index(after: colon)...])
        guard !user.isEmpty, !password.isEmpty else { return nil }
        return .password(user: user, password: password)
    }
}
