import ChargelineCore
import ChargelineStorage
import Foundation
import Testing

/// Drives the `chargeline` binary the way an operator does: import (plain and gzip, with a bad
/// line), query, inspect, compact; checks outputs and exit codes.
@Suite(.serialized) struct CommandLineTests {
    @Test func importQueryInspectCompact() throws {
        let dir = NSTemporaryDirectory() + "chargeline-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var lines: [String] = []
        for i in 0..<1_000 {
            lines.append("telemetry,station=S1,pile=P\(i % 5),gun=1 voltage=\(400 + Double(i % 7) / 10),soc=\(i % 100)i \(1_763_596_800 + i)")
        }
        let plain = dir + "/a.lp"
        try (lines[..<500].joined(separator: "\n") + "\nthis is not line protocol\n").write(toFile: plain, atomically: false, encoding: .utf8)
        let second = dir + "/b.lp"
        try lines[500...].joined(separator: "\n").write(toFile: second, atomically: false, encoding: .utf8)
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gz.arguments = ["gzip", second]
        try gz.run(); gz.waitUntilExit()
        let data = dir + "/data"

        let (status, out) = try ChildProcess.run(["import", "--data", data, "--db", "t", "--precision", "s", plain, second + ".gz"])
        #expect(status == 3, "import with one bad line exits 3: \(out)")
        #expect(out.contains("a.lp:501:"), "the bad line is named by file and line: \(out)")
        #expect(out.contains("imported 1000 rows"), "\(out)")

        let (qs, q) = try ChildProcess.run(["query", "--data", data, "--db", "t", "--format", "csv", "SELECT * FROM telemetry WHERE pile = 'P3'"])
        #expect(qs == 0, "\(q)")
        let rows = q.split(separator: "\n")
        #expect(rows.first == "name,tags,time,gun,pile,soc,station,voltage")
        #expect(rows.count == 201)
        #expect(rows[1] == "telemetry,,2025-11-20T00:00:03Z,1,P3,3,S1,400.3")

        let (es, e) = try ChildProcess.run(["query", "--data", data, "--db", "t", "SELECT mean(voltage) FROM telemetry GROUP BY pile LIMIT x"])
        #expect(es == 1, "\(e)")
        #expect(e.contains("line 1, column 57") && e.contains("^"), "a syntax error points at the column: \(e)")

        let (cs, c) = try ChildProcess.run(["compact", "--data", data])
        #expect(cs == 0, "\(c)")
        let (js, j) = try ChildProcess.run(["inspect", "--data", data, "--json"])
        #expect(js == 0, "\(j)")
        let report = try JSONDecoder().decode(StoreReport.self, from: Data(j.utf8))
        #expect(report.databases.map(\.name) == ["t"])
        #expect(report.databases[0].values == 2_000)
        #expect(report.databases[0].rows == 1_000)
        #expect(report.databases[0].series == 5)
        #expect(report.databases[0].partitions.count == 1)

        // Where the bytes go: the parts add up to every byte of the folder, the blocks hold
        // every value, and each field and encoding is named.
        let (bs, b) = try ChildProcess.run(["inspect", "--data", data, "--blocks", "--json"])
        #expect(bs == 0, "\(b)")
        let breakdowns = try JSONDecoder().decode([ByteBreakdown].self, from: Data(b.utf8))
        let raw = try #require(breakdowns.first { $0.store == "t" })
        #expect(raw.values == 2_000 && raw.rows == 1_000 && raw.segments == 1)
        #expect(raw.timestamps.bytes + raw.valueBlockBytes + raw.checksums + raw.indexes + raw.headersAndFooters
                + raw.otherFiles.values.reduce(0, +) == raw.totalBytes)
        #expect(raw.segmentBytes == report.databases[0].partitions[0].bytes)
        #expect(raw.fields.keys.sorted() == ["soc", "voltage"] && raw.fields["soc"]?.values == 1_000)
        #expect(raw.encodings.values.reduce(0) { $0 + $1.bytes } == raw.timestamps.bytes + raw.valueBlockBytes)
        #expect(!raw.encodings.keys.contains { $0.hasPrefix("tag ") || $0.hasPrefix("(") }, "\(raw.encodings.keys)")
        let (ts, t) = try ChildProcess.run(["inspect", "--data", data, "--blocks"])
        #expect(ts == 0 && t.contains("t: \(raw.totalBytes) bytes for 2000 field values") && t.contains("timestamp blocks"), "\(t)")
    }

    /// One unterminated quote, then 396 good lines: all 396 are imported, the error names
    /// line 1 where the quote opened, and the summary counts the rejected line.
    @Test func importKeepsTheGoodLinesAfterAnUnterminatedQuote() throws {
        let dir = NSTemporaryDirectory() + "chargeline-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var lines = ["telemetry,pile=P1,gun=1 note=\"pile rebooted,status=2i 1763596800"]
        for n in 1...396 { lines.append("telemetry,pile=P1,gun=1 voltage=400.\(n % 10),status=3i \(1_763_596_800 + n)") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/q.lp", atomically: false, encoding: .utf8)
        let (status, out) = try ChildProcess.run(["import", "--data", dir + "/data", "--db", "t", "--precision", "s", dir + "/q.lp"])
        #expect(status == 3, "\(out)")
        #expect(out.contains("q.lp:1:30: unterminated string opened at line 1"), "\(out)")
        #expect(out.contains("imported 396 rows") && out.contains("1 line rejected"), "\(out)")
    }

    /// `rollup --from X --to Y` recomputes only [X, Y), and reports those buckets as
    /// recomputed, not new.
    @Test func rollupBackfillStopsAtTo() throws {
        let dir = NSTemporaryDirectory() + "chargeline-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = 1_763_596_800  // 2025-11-20T00:00:00Z; two days every 10 minutes
        let lines = (0..<288).map { "telemetry,pile=P1,gun=1 voltage=\(400 + $0 % 10) \(start + $0 * 600)" }
        try lines.joined(separator: "\n").write(toFile: dir + "/a.lp", atomically: false, encoding: .utf8)
        let data = dir + "/data"
        #expect(try ChildProcess.run(["import", "--data", data, "--db", "t", "--precision", "s", dir + "/a.lp"]).0 == 0)
        let (rs, r) = try ChildProcess.run(["rollup", "--data", data, "--now", "2025-11-23T00:00:00Z"])
        #expect(rs == 0 && r.contains("t: 48 new and 0 recomputed buckets"), "\(r)")
        let (bs, b) = try ChildProcess.run(["rollup", "--data", data, "--from", "2025-11-20T00:00:00Z", "--to", "2025-11-20T06:00:00Z",
                                            "--now", "2025-11-23T00:00:00Z"])
        #expect(bs == 0 && b.contains("t: 0 new and 6 recomputed buckets"), "\(b)")
        #expect(b.contains("watermark 2025-11-22T23:00:00Z"), "\(b)")
    }

    /// The README's `serve --config chargeline.example.toml` after an import keeps the data;
    /// a policy that would drop imported data says so at start, partition by partition.
    @Test func exampleConfigKeepsImportedDataAndRetentionWarnsAtStart() throws {
        let dir = NSTemporaryDirectory() + "chargeline-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = 1_763_596_800  // 2025-11-20T00:00:00Z; two days every 10 minutes
        let lines = (0..<288).map { "telemetry,pile=P1,gun=1 voltage=\(400 + $0 % 10) \(start + $0 * 600)" }
        try lines.joined(separator: "\n").write(toFile: dir + "/a.lp", atomically: false, encoding: .utf8)
        let data = dir + "/data"
        #expect(try ChildProcess.run(["import", "--data", data, "--db", "t", "--precision", "s", dir + "/a.lp"]).0 == 0)
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("chargeline.example.toml").path
        let (es, e) = try ChildProcess.run(["retention", "--data", data, "--config", example, "--dry-run"])
        #expect(es == 0 && e.contains("nothing past its retention"), "\(e)")

        try "[retention]\nraw = \"1d\"\n".write(toFile: dir + "/c.toml", atomically: false, encoding: .utf8)
        let server = try ChildProcess(["serve", "--data", data, "--config", dir + "/c.toml", "--http", "127.0.0.1:0", "--lp-tcp", "off"])
        #expect(server.waitFor("stop with Ctrl-C"), "server did not start: \(server.text)")
        server.kill(SIGINT)
        _ = server.wait()
        let out = server.text
        #expect(out.contains("WARNING: the retention policy in \(dir)/c.toml will remove data from this store (at the first "
                             + "retention run, about 1m after start, then every 1h)"), "\(out)")
        #expect(out.contains("drop t raw partition 20251120T000000Z: 144 rows"), "\(out)")
        #expect(out.contains("drop t raw partition 20251121T000000Z: 144 rows"), "\(out)")
        #expect(out.contains("in all 2 partition(s), 288 rows"), "\(out)")
        #expect(!out.contains("serving") || out.range(of: "WARNING")!.lowerBound < out.range(of: "serving")!.lowerBound,
                "the warning comes before the server answers: \(out)")
    }

    /// A misspelt configuration key is an error naming the file and line, not a silent default.
    @Test func unknownConfigurationKeysAreRejectedWithTheLine() throws {
        let dir = NSTemporaryDirectory() + "chargeline-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases = [
            ("[storage]\nfsync = \"never\"\n\n[rollup]\nenabeld = false\n", "c.toml:5: rollup.enabeld: unknown key (known: enabled, grace"),
            ("[retention]\nraw = \"30d\"\n[retention.databases.t]\nraw = \"60d\"\nrollups = \"1y\"\n",
             "c.toml:5: retention.databases.t.rollups: unknown key (known: raw, rollup, measurements)"),
            ("# settings\n[storge]\nfsync = \"never\"\n", "c.toml:2: storge: unknown section"),
            ("[retention]\nraw = 5\n", "c.toml:2: retention.raw: expected a duration"),
            ("[http]\nmax_connections = 10\n", "c.toml:2: http.max_connections: unknown key (known: max_connection_limit, header_timeout"),
            ("[http]\nheader_timeout = 10\n", "c.toml:2: http.header_timeout: expected a duration"),
            ("[query]\nmax_values = -1\n", "c.toml:2: query.max_values: a whole number, 0 for no limit"),
            ("[line_protocol]\nmax_connection_limit = 0\n", "c.toml:2: line_protocol.max_connection_limit: a positive whole number"),
            ("[tls]\ncertficate = \"a.crt\"\n", "c.toml:2: tls.certficate: unknown key (known: certificate, private_key, listeners)"),
            ("[tls]\nlisteners = \"http\"\n", "c.toml:2: tls.listeners: an array such as"),
        ]
        for (text, message) in cases {
            try text.write(toFile: dir + "/c.toml", atomically: false, encoding: .utf8)
            let (status, out) = try ChildProcess.run(["retention", "--data", dir + "/data", "--config", dir + "/c.toml", "--dry-run"])
            #expect(status == 1 && out.contains(message), "\(out)")
        }
    }

    /// TLS settings that cannot work stop serve before it listens, naming the file or flag.
    @Test func badTLSSettingsStopServe() throws {
        let missing = NSTemporaryDirectory() + "chargeline-no-such-\(UUID().uuidString)"
        let base = ["serve", "--data", missing + "/data", "--http", "127.0.0.1:0", "--lp-tcp", "off"]
        let (s1, o1) = try ChildProcess.run(base + ["--tls-cert", missing + "/a.crt", "--tls-key", missing + "/a.key"])
        #expect(s1 != 0 && o1.contains("cannot read the TLS certificate (--tls-cert) \(missing)/a.crt"), "\(o1)")
        let (s2, o2) = try ChildProcess.run(base + ["--tls-cert", missing + "/a.crt"])
        #expect(s2 != 0 && o2.contains("TLS needs both --tls-cert and --tls-key"), "\(o2)")
        let (s3, o3) = try ChildProcess.run(base + ["--tls-cert", "a", "--tls-key", "b", "--tls-listeners", "http,smtp"])
        #expect(s3 != 0 && o3.contains("--tls-listeners: unknown listener smtp"), "\(o3)")
        #expect(!FileManager.default.fileExists(atPath: missing), "nothing was written before the refusal")
    }

    @Test func badArgumentsExitTwoWithAMessage() throws {
        let (status, out) = try ChildProcess.run(["query", "--data", "/nonexistent", "SELECT * FROM m"])
        #expect(status != 0)
        #expect(out.contains("does not exist"), "\(out)")
        let (s2, o2) = try ChildProcess.run(["serve", "--http", "nope"])
        #expect(s2 == 2, "bad arguments exit 2, as --help says: \(s2)")
        #expect(o2.contains("--http takes host:port"), "\(o2)")
        let (s3, o3) = try ChildProcess.run(["import", "--precision", "fortnights", "a.lp"])
        #expect(s3 == 2 && o3.contains("--precision must be"), "\(s3) \(o3)")
        let (s4, o4) = try ChildProcess.run(["rollup", "--data", "/nonexistent", "--to", "2026-01-01"])
        #expect(s4 == 2 && o4.contains("--to needs --from"), "\(s4) \(o4)")
        let (s5, o5) = try ChildProcess.run(["--help"])
        #expect(s5 == 0 && o5.contains("2 bad arguments"), "\(o5)")
        // The gateways' monitoring ports need gateway processes, and room for one port each.
        let (s6, o6) = try ChildProcess.run(["serve", "--http", "127.0.0.1:0", "--gateway-http", "127.0.0.1:9100"])
        #expect(s6 == 2 && o6.contains("--gateway-http serves the gateway processes' /metrics: give --ykc and --ykc-processes N too"), "\(s6) \(o6)")
        let (s7, o7) = try ChildProcess.run(["serve", "--http", "127.0.0.1:0", "--ykc", "127.0.0.1:0", "--ykc-processes", "3",
                                             "--gateway-http", "127.0.0.1:65535"])
        #expect(s7 == 2 && o7.contains("--gateway-http needs a port from 1 to 65533"), "\(s7) \(o7)")
    }

    /// One "error" per message: the query engine's own "error at line ..." is not prefixed
    /// again, and a bind failure names the system's reason once.
    @Test func errorMessagesSayErrorAndErrnoOnce() throws {
        let dir = NSTemporaryDirectory() + "chargeline-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "m f=1 1\n".write(toFile: dir + "/a.lp", atomically: false, encoding: .utf8)
        #expect(try ChildProcess.run(["import", "--data", dir + "/data", "--db", "t", dir + "/a.lp"]).0 == 0)
        let (qs, q) = try ChildProcess.run(["query", "--data", dir + "/data", "--db", "t", "SELECT f FROM m WHERE time > 'abc'"])
        #expect(qs == 1 && q.contains("cannot read time 'abc'") && !q.lowercased().contains("error: error"), "\(q)")

        let server = try ChildProcess(["serve", "--data", dir + "/data", "--http", "127.0.0.1:0", "--lp-tcp", "off"])
        #expect(server.waitFor("stop with Ctrl-C"), "\(server.text)")
        let port = try #require(CrashRecoveryTests.port(in: server.text))
        let (bs, b) = try ChildProcess.run(["serve", "--data", dir + "/other", "--http", "127.0.0.1:\(port)", "--lp-tcp", "off"])
        server.kill(SIGINT)
        _ = server.wait()
        #expect(bs == 1 && b.contains("cannot listen for"), "\(b)")
        #expect(b.components(separatedBy: "Address already in use").count == 2, "the reason once: \(b)")
    }

    @Test("serve reports a port in use before it creates anything in the data directory")
    func bindFailureLeavesNoDataDirectory() throws {
        let dir = NSTemporaryDirectory() + "chargeline-bind-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Hold a loopback port.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0)
        #expect(listen(fd, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let (status, out) = try ChildProcess.run(["serve", "--data", dir, "--http", "127.0.0.1:\(port)", "--lp-tcp", "off"])
        #expect(status != 0, "\(out)")
        #expect(out.contains("\(port)"), "\(out)")
        #expect(!FileManager.default.fileExists(atPath: dir), "serve created \(dir) before failing to bind")
    }

    @Test func rollupRetentionAndConfiguration() throws {
        let dir = NSTemporaryDirectory() + "chargeline-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Two days of one gun every 10 minutes, and a configuration that keeps raw data 1 day.
        let start = 1_763_596_800  // 2025-11-20T00:00:00Z
        let lines = (0..<288).map { "telemetry,pile=P1,gun=1 voltage=\(400 + $0 % 10),energy=\(Double($0) / 4) \(start + $0 * 600)" }
        try lines.joined(separator: "\n").write(toFile: dir + "/a.lp", atomically: false, encoding: .utf8)
        try "[retention]\nraw = \"1d\"\n[rollup]\ncounters = [\"energy\"]\n".write(toFile: dir + "/c.toml", atomically: false, encoding: .utf8)
        try "[retention]\nraw = 5\n".write(toFile: dir + "/bad.toml", atomically: false, encoding: .utf8)
        let data = dir + "/data"
        #expect(try ChildProcess.run(["import", "--data", data, "--db", "t", "--precision", "s", dir + "/a.lp"]).0 == 0)

        let (ds, dry0) = try ChildProcess.run(["retention", "--data", data, "--config", dir + "/c.toml", "--dry-run"])
        #expect(ds == 0 && dry0.contains("keep") && dry0.contains("not yet covered by rollups"), "\(dry0)")

        let (rs, r) = try ChildProcess.run(["rollup", "--data", data, "--now", "2025-11-23T00:00:00Z"])
        #expect(rs == 0 && r.contains("t: 48 new and 0 recomputed buckets"), "\(r)")

        let (ws, w) = try ChildProcess.run(["retention", "--data", data, "--config", dir + "/c.toml", "--dry-run"])
        #expect(ws == 0 && w.contains("would drop"), "\(w)")
        let (xs, x) = try ChildProcess.run(["retention", "--data", data, "--config", dir + "/c.toml"])
        #expect(xs == 0 && x.contains("removed 288 rows"), "\(x)")

        let (js, j) = try ChildProcess.run(["inspect", "--data", data, "--json"])
        #expect(js == 0, "\(j)")
        let report = try JSONDecoder().decode(StoreReport.self, from: Data(j.utf8))
        #expect(report.databases[0].partitions.isEmpty)
        #expect(report.databases[0].rollup?.droppedPartitions == 2)
        #expect(report.databases[0].rollup?.watermark == "2025-11-22T23:00:00Z")

        let (bs, b) = try ChildProcess.run(["retention", "--data", data, "--config", dir + "/bad.toml", "--dry-run"])
        #expect(bs != 0 && b.contains("retention.raw") && b.contains("duration"), "\(b)")
    }
}
