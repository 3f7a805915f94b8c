import ArgumentParser
import Foundation

/// `chargeline-pilesim`: simulates YKC charging piles (or line-protocol collectors) against
/// a Chargeline front-end and reports reply latencies and frame rates.
@main
struct PileSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargeline-pilesim",
        abstract: "Simulate YKC charging piles against a Chargeline front-end (loopback only).",
        discussion: """
            Each pile logs in (login ramp --login-rate per second, spread over --sources loopback \
            addresses 127.0.0.1..N), checks the billing model, heartbeats every 10 s and, for the \
            --charging fraction, runs charging sessions (CC then CV, 0x13 + 0x23 + 0x25 every 15 s, \
            a 0x3B at the end). Faults: --overheat, --sag, --silent, --bad-crc, --split, --be-crc \
            (fractions of piles). --workers processes share the piles (each process has its own \
            open-file limit). The report gives HdrHistogram p50/p99/p999/max of login and heartbeat \
            replies and frames per second. --protocol lp sends line protocol to a TCP listener; \
            --protocol ocpp16 runs OCPP 1.6J charge points (BootNotification, Heartbeat, and for the \
            charging fraction StartTransaction and MeterValues every --realtime-seconds) against \
            ws://target/ocpp/SIM-<index>.
            """)

    @Option(help: "Target host:port (YKC front-end, or the line-protocol TCP listener with --protocol lp).")
    var target: String = "127.0.0.1:8768"
    @Option(help: "ykc, ocpp16 (target the OCPP front-end, e.g. 127.0.0.1:8767) or lp.") var `protocol`: String = "ykc"
    @Option(help: "Number of piles (or guns with --protocol lp).") var piles: Int = 1000
    @Option(help: "Worker processes.") var workers: Int = 1
    @Option(help: "Loopback source addresses 127.0.0.1...N.") var sources: Int = 1
    @Option(name: .customLong("login-rate"), help: "Logins per second (all workers together).") var loginRate: Double = 1000
    @Option(help: "Fraction of piles charging.") var charging: Double = 0.1
    @Option(help: "Seconds to run after the last pile logged in.") var duration: Double = 30
    @Option(name: .customLong("heartbeat-seconds")) var heartbeatSeconds: Double = 10
    @Option(name: .customLong("realtime-seconds")) var realtimeSeconds: Double = 15
    @Option(name: .customLong("idle-realtime-seconds")) var idleRealtimeSeconds: Double = 300
    @Option(name: .customLong("session-minutes"), help: "Typical charging session length in simulated minutes (a report advances the session by --realtime-seconds).") var sessionMinutes: Double = 45
    @Option(help: "Fraction of charging piles whose gun overheats.") var overheat: Double = 0
    @Option(help: "Fraction of piles with voltage sags.") var sag: Double = 0
    @Option(help: "Fraction of piles that go silent after login.") var silent: Double = 0
    @Option(name: .customLong("bad-crc"), help: "Fraction of piles sending every 20th frame with a bad CRC.") var badCRC: Double = 0
    @Option(help: "Fraction of piles sending frames split in two writes.") var split: Double = 0
    @Option(name: .customLong("be-crc"), help: "Fraction of piles sending CRCs high byte first.") var beCRC: Double = 0
    @Option(name: .customLong("code-base"), help: "Pile code of pile 0 (14 digits); pile i adds i.") var codeBase: String = "32010600000000"
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(name: .customLong("lp-batch"), help: "Line protocol: lines per write.") var lpBatch: Int = 500
    @Option(help: "Write the merged report as JSON to this file.") var json: String?
    @Option(name: .customLong("worker-json"), help: .hidden) var workerJSON: String?

    func validate() throws {
        guard target.contains(":") else { throw ValidationError("--target takes host:port") }
        let host = String(target[..<target.lastIndex(of: ":")!])
        guard host.hasPrefix("127.") || host == "localhost" || host == "::1" else {
            throw ValidationError("--target must be a loopback address: this simulator only loads this machine")
        }
        guard UInt64(codeBase, radix: 16) != nil, codeBase.count == 14 else { throw ValidationError("--code-base takes 14 digits") }
        guard piles > 0, workers > 0, sources > 0, sources <= 254 else { throw ValidationError("piles, workers, sources must be positive") }
        guard ["ykc", "ocpp16", "lp"].contains(`protocol`) else { throw ValidationError("--protocol is ykc, ocpp16 or lp") }
    }

    func run() throws {
        if let workerJSON {
            let config = try JSONDecoder().decode(SimConfig.self, from: Data(workerJSON.utf8))
            let result = switch `protocol` {
            case "lp": try LineProtocolLoad(config: config, batch: lpBatch).run()
            case "ocpp16": try OCPPLoad(config: config).run()
            default: try SimWorker(config: config).run()
            }
            let data = try JSONEncoder().encode(result)
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            return
        }
        let colon = target.lastIndex(of: ":")!
        let host = String(target[..<colon])
        let port = Int(target[target.index(after: colon)...]) ?? 8768
        var children: [(Process, Pipe)] = []
        let started = Date()
        for w in 0..<workers {
            let config = SimConfig(
                host: host, port: port, first: piles * w / workers, end: piles * (w + 1) / workers,
                codeBase: UInt64(codeBase, radix: 16)!, sources: sources, loginRate: loginRate / Double(workers),
                chargingFraction: charging, heartbeatSeconds: heartbeatSeconds, realtimeSeconds: realtimeSeconds,
                idleRealtimeSeconds: idleRealtimeSeconds, sessionMinutes: sessionMinutes, duration: duration, overheat: overheat, sag: sag, silent: silent,
                badCRC: badCRC, split: split, highByteFirstCRC: beCRC, seed: seed, threads: 1)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                                  ?? CommandLine.arguments[0])
            p.arguments = ["--protocol", `protocol`, "--lp-batch", String(lpBatch),
                           "--worker-json", String(decoding: try JSONEncoder().encode(config), as: UTF8.self)]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            children.append((p, pipe))
        }
        var results: [WorkerResult] = []
        for (p, pipe) in children {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            if let line = data.split(separator: UInt8(ascii: "\n")).last, let r = try? JSONDecoder().decode(WorkerResult.self, from: line) {
                results.append(r)
            } else {
                FileHandle.standardError.write(Data("pilesim: worker \(p.processIdentifier) gave no result (status \(p.terminationStatus))\n".utf8))
            }
        }
        let report = SimReport(results: results, wallSeconds: Date().timeIntervalSince(started), piles: piles, workers: workers,
                               protocol: `protocol`)
        print(report.text)
        if let json { try report.json().write(to: URL(fileURLWithPath: json)) }
        if results.count < workers { throw ExitCode.failure }
    }
}
