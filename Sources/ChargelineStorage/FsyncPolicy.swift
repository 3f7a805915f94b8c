/// When the WAL forces its writes to disk, and so what an acknowledgement promises.
public enum FsyncPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Default. `fdatasync` before any write is acknowledged; concurrent writers share one
    /// sync (group commit). Acknowledged writes survive a process kill and a power loss.
    case always
    /// Acknowledge after `write(2)`; `fdatasync` at most every `milliseconds`. Acknowledged
    /// writes survive a process kill (`kill -9`: the page cache keeps them) but the last
    /// interval may be lost on power loss.
    case interval(milliseconds: Int)
    /// Acknowledge after `write(2)` and never sync explicitly (the kernel writes back on its
    /// own). Survives a process kill, not a power loss. For benchmarks and bulk imports.
    case never

    /// Parses `always`, `never`, or an interval such as `100ms` / `1s`.
    public init?(parsing text: String) {
        switch text {
        case "always": self = .always
        case "never": self = .never
        default:
            if text.hasSuffix("ms"), let v = Int(text.dropLast(2)), v > 0 {
                self = .interval(milliseconds: v)
            } else if text.hasSuffix("s"), let v = Int(text.dropLast(1)), v > 0 {
                self = .interval(milliseconds: v * 1_000)
            } else {
                return nil
            }
        }
    }

    public var description: String {
        switch self {
        case .always: "always"
        case .never: "never"
        case .interval(let ms): "\(ms)ms"
        }
    }
}
