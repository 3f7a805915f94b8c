#if canImport(Glibc)
import Glibc
#endif

/// Writing to stdout/stderr and a progress bar that only draws on a terminal.
enum Terminal {
    static var stderrIsTerminal: Bool { isatty(2) != 0 }

    static func error(_ line: String) {
        write(2, line + "\n")
    }

    static func out(_ text: String) {
        write(1, text)
    }

    /// Buffers stdout writes into large chunks (row output can be millions of lines).
    struct BufferedOut {
        private var buffer: [UInt8] = []
        /// 1 MiB per write(2).
        private static let limit = 1 << 20

        mutating func write(_ text: String) {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= Self.limit { flush() }
        }

        mutating func flush() {
            guard !buffer.isEmpty else { return }
            buffer.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = Glibc.write(1, raw.baseAddress! + done, raw.count - done)
                    if n <= 0 { return }
                    done += n
                }
            }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Writes straight to a descriptor (the C `stdout`/`stderr` globals are not
    /// concurrency-safe in Swift 6).
    static func write(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buf in
            var done = 0
            while done < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + done, buf.count - done)
                if n <= 0 { return }
                done += n
            }
        }
    }

    /// Redraws one progress line on stderr: `[#####.....]  45%  120.5/270.0 MB  1.23 M rows/s`.
    /// With `unit` "MB" (the default) `done`/`total` are bytes; otherwise plain counts.
    static func progress(done: Int, total: Int, rows: Int, seconds: Double, unit: String = "MB", label: String = "") {
        guard stderrIsTerminal else { return }
        let width = 30
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = seconds > 0 ? Double(rows) / seconds : 0
        let amounts = unit == "MB"
            ? "\(format(Double(done) / 1e6, 1))/\(format(Double(total) / 1e6, 1)) MB  \(format(rate / 1e6, 2)) M rows/s"
            : "\(done)/\(total) \(unit)"
        let line = "\r\(label.isEmpty ? "" : label + " ")[\(bar)] \(format(fraction * 100, 0))%  \(amounts) "
        write(2, line)
    }

    static func endProgress() {
        if stderrIsTerminal { write(2, "\n") }
    }

    /// Fixed-point formatting without Foundation's String(format:).
    static func format(_ v: Double, _ decimals: Int) -> String {
        guard v.isFinite else { return "\(v)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let r = (abs(v) * scale).rounded()
        let whole = Int(r / scale)
        let frac = Int(r - Double(whole) * scale)
        var s = (v < 0 && r != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let f = String(frac)
            s += "." + String(repeating: "0", count: decimals - f.count) + f
        }
        return s
    }
}
