import ChargelineCore
import ChargelineIngest
import ChargelineReports
import ChargelineStorage
import Foundation
import Logging

/// A small store made once per fuzzing process in a temporary folder: database `chargeline`
/// with two days of telemetry for three guns on two stations (a session each day, a fault, a
/// gap) and transaction records, its hourly rollups run, so a report reads both rollups and
/// raw data.
private let storePath = NSTemporaryDirectory() + "chargeline-fuzz-report-\(getpid())"

private let store: Store = {
    let path = storePath
    try? FileManager.default.removeItem(atPath: path)
    // libFuzzer ends with exit(): the folder goes then (a crash leaves it for inspection).
    atexit { try? FileManager.default.removeItem(atPath: storePath) }
    var options = StorageOptions()
    options.backgroundMaintenance = false
    // The target is the report's logic, not durability: no WAL sync per write.
    options.fsync = .never
    // As the chargeline commands: the usage extension, so reports read the rollups.
    UsageRollupExtension.register(in: &options.rollup)
    var logger = Logger(label: "fuzz")
    logger.logLevel = .critical
    do {
        let store = try Store(directory: path, options: options, logger: logger)
        var text = ""
        let day0: Int64 = 1_699_920_000_000_000_000  // 2023-11-14T00:00:00Z
        for g in 0..<3 {
            let key = "telemetry,station=S\(g % 2),pile=P\(g),gun=\(g + 1)"
            var energy = 0.0
            for i in 0..<(2 * 288) where !(g == 2 && (100..<130).contains(i)) {
                let t = day0 + Int64(i) * 300_000_000_000
                let charging = (i % 288) >= 96 + g * 10 && (i % 288) < 140 + g * 10
                if charging { energy += 4.5 }
                let status = g == 1 && i == 200 ? 1 : (charging ? 3 : 2)
                text += "\(key) status=\(status)i,energy=\(energy),power=\(charging ? 54.0 : 0),voltage=400,current=\(charging ? 135 : 0),temperature=31 \(t)\n"
            }
            text += "transaction,station=S\(g % 2),pile=P\(g),gun=\(g + 1) energy=\(energy),amount=\(energy * 1.2),start=\(day0),end=\(day0 + 3_600_000_000_000)i \(day0 + 86_400_000_000_000)\n"
        }
        var parser = LineProtocolParser(defaultTimestamp: 0)
        var builder = WriteBatchBuilder()
        var lines: [Int32] = []
        var errors: [LineProtocolError] = []
        Array(text.utf8).withUnsafeBytes { parser.parse($0, into: &builder, pointLines: &lines, errors: &errors) }
        if let failure = store.writeAndWait(database: "chargeline", batch: builder.finish()).failure { throw failure }
        try store.flush()
        _ = try store.runRollups(now: day0 + 3 * 86_400_000_000_000)
        return store
    } catch {
        fatalError("fuzz setup: cannot make the store in \(path): \(error)")
    }
}()

/// libFuzzer entry point: one input is the query string of a `GET /report/daily` request
/// (`date=...&to=...&max_gap=...`, percent-encoded as a client sends it), read by
/// `DailyReportQuery.parse` as the server reads it and, when it parses, computed from the
/// small store and rendered in the format it asks for. Any trap is a finding; errors are
/// answers (a 400 or a 500 naming the problem).
@_cdecl("LLVMFuzzerTestOneInput")
public func reportFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var parameters: [String: String] = [:]
    for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decoded(_ s: Substring) -> String {
            let plus = s.replacingOccurrences(of: "+", with: " ")
            return plus.removingPercentEncoding ?? plus
        }
        parameters[decoded(parts[0])] = parts.count > 1 ? decoded(parts[1]) : ""
    }
    guard let query = try? DailyReportQuery.parse(parameters) else { return 0 }
    // A range of up to 366 days is a valid request whose cost grows with its days (about 33 ms
    // a day in this sanitized debug build): past 31 days only the parameters are checked, so a
    // long, legitimate report is not taken for a hang. DailyReportQueryTests cover the range limits.
    if let (_, days) = try? query.options(), days.count > 31 { return 0 }
    _ = try? query.run(store: store)
    return 0
}

// MARK: - Entry point

/// libFuzzer's driver: parses the libFuzzer flags in `argv` and runs `callback` over inputs.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable target's `main` to `<Target>_main`; this one builds the store
/// (outside any input's time limit: on a loaded machine its syncs take seconds) and hands over
/// to libFuzzer's driver (libFuzzer's own `main` is then not linked).
@_cdecl("ReportFuzz_main")
public func reportFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    _ = store
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in
        reportFuzz(data ?? UnsafePointer(bitPattern: 1)!, size)
    }
}
