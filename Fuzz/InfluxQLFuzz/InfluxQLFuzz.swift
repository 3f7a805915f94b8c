import ChargelineCore
import ChargelineIngest
import ChargelineQuery
import ChargelineStorage
import Foundation
import Logging

/// A small store (two measurements, four series, a day of points at mixed types) made once
/// per fuzzing process in a temporary folder, and an engine on it with tight limits so that a
/// legitimately costly query answers its limit error quickly instead of looking like a hang.
private let storePath = NSTemporaryDirectory() + "chargeline-fuzz-influxql-\(getpid())"

private let engine: QueryEngine = {
    let path = storePath
    try? FileManager.default.removeItem(atPath: path)
    // libFuzzer ends with exit(): the folder goes then (a crash leaves it for inspection).
    atexit { try? FileManager.default.removeItem(atPath: storePath) }
    var options = StorageOptions()
    options.backgroundMaintenance = false
    // The target is the query path, not durability: no WAL sync per write.
    options.fsync = .never
    var logger = Logger(label: "fuzz")
    logger.logLevel = .critical
    do {
        let store = try Store(directory: path, options: options, logger: logger)
        try store.createDatabase("fleet")
        var text = ""
        for s in 0..<4 {
            for i in 0..<200 {
                let t = 1_700_000_000_000_000_000 + Int64(i) * 300_000_000_000
                text += "telemetry,station=S\(s % 2),gun=g\(s) kw=\(Double(i) / 3),amps=\(i * 7 - 500)i,on=\(i % 3 == 0),"
                text += "note=\"n\(i % 5)\",count=\(i)u \(t)\n"
                if i % 20 == 0 { text += "fault,gun=g\(s) code=\(i)i \(t)\n" }
            }
        }
        var parser = LineProtocolParser(defaultTimestamp: 0)
        var builder = WriteBatchBuilder()
        var lines: [Int32] = []
        var errors: [LineProtocolError] = []
        Array(text.utf8).withUnsafeBytes { parser.parse($0, into: &builder, pointLines: &lines, errors: &errors) }
        if let failure = store.writeAndWait(database: "fleet", batch: builder.finish()).failure { throw failure }
        return QueryEngine(store: store, limits: QueryLimits(timeoutSeconds: 2, maxPointsScanned: 1_000_000,
                                                             maxBuckets: 100_000, maxValues: 200_000, maxStatements: 20))
    } catch {
        fatalError("fuzz setup: cannot make the store in \(path): \(error)")
    }
}()

/// libFuzzer entry point: one input is one `/query` `q` parameter. It is parsed and, when it
/// parses, planned and run against the small store at a fixed now(), and rendered as JSON.
/// Any trap is a finding; errors are answers.
@_cdecl("LLVMFuzzerTestOneInput")
public func influxQLFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let query = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard (try? engine.validate(query)) != nil else { return 0 }
    if let results = try? engine.execute(query, database: "fleet", now: 1_700_100_000_000_000_000) {
        _ = InfluxJSON(epoch: nil, zone: QueryEngine.timezone(of: query)).encode(results)
    }
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
@_cdecl("InfluxQLFuzz_main")
public func influxQLFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    _ = engine
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in
        influxQLFuzz(data ?? UnsafePointer(bitPattern: 1)!, size)
    }
}
