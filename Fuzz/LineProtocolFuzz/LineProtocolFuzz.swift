import ChargelineCore
import ChargelineIngest

/// libFuzzer entry point: one input is one `/write` body, parsed as the HTTP API parses it
/// (nanosecond precision, then second precision, whose multiplication is the overflow-prone
/// path), and the batch finished as the server finishes it. Any trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func lineProtocolFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    for multiplier in [Int64(1), 1_000_000_000] {
        var parser = LineProtocolParser(precisionMultiplier: multiplier, defaultTimestamp: 1_700_000_000_000_000_000)
        var builder = WriteBatchBuilder(reservingCapacity: size)
        var pointLines: [Int32] = []
        var errors: [LineProtocolError] = []
        parser.parse(raw, firstLineNumber: 1, into: &builder, pointLines: &pointLines, errors: &errors)
        let batch = builder.finish()
        // Every point the parser accepted names a line of the input.
        if pointLines.count != batch.pointCount { preconditionFailure("BUG: \(pointLines.count) lines for \(batch.pointCount) points") }
        for e in errors { _ = e.description }
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

/// SwiftPM links an executable target's `main` to `<Target>_main`; this one hands over to
/// libFuzzer's driver (libFuzzer's own `main` is then not linked).
@_cdecl("LineProtocolFuzz_main")
public func lineProtocolFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in
        lineProtocolFuzz(data ?? UnsafePointer(bitPattern: 1)!, size)
    }
}
