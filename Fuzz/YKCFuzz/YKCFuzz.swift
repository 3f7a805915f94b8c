import ChargelineYKCPile
import ChargelineCore
import ChargelineIngest
import Foundation

/// The series keys every decoded frame is written under (as a logged-in pile's would be).
private let keys = YKCSeriesKeys(pileText: "32010600213533", gun: 1, info: YKCPileInfo(station: "S1", operatorName: "op"))

/// libFuzzer entry point: one input is what a pile's TCP connection delivers. It is cut into
/// frames by `YKCFramer` as the channel handler cuts it (in reads of at most 64 bytes, the way
/// a slow pile's bytes arrive, and consuming what each step says), every good frame is decoded
/// by the decoder for its type and written as points; the whole input is also handed to every
/// payload decoder directly, so a decoder sees lengths and bytes no CRC-checked frame carries.
/// Any trap is a finding; errors are answers.
@_cdecl("LLVMFuzzerTestOneInput")
public func ykcFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    var builder = WriteBatchBuilder()
    // The stream, delivered in reads of up to 64 bytes into a growing buffer.
    var buffer: [UInt8] = []
    var delivered = 0
    while delivered < size {
        let n = min(64, size - delivered)
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[delivered..<(delivered + n)]))
        delivered += n
        var consumed = 0
        buffer.withUnsafeBytes { raw in
            while consumed < raw.count {
                let rest = UnsafeRawBufferPointer(rebasing: raw[consumed...])
                let step = YKCFramer.next(in: rest)
                if case .frame(let count, _) = step {
                    guard count <= rest.count else { preconditionFailure("BUG: frame of \(count) bytes in \(rest.count)") }
                    let frame = YKCFrame(UnsafeRawBufferPointer(rebasing: rest[..<count]))
                    decode(type: frame.type, payload: frame.payload, into: &builder)
                }
                if step == .needMore { break }
                guard step.consumed > 0, step.consumed <= rest.count else {
                    preconditionFailure("BUG: step \(step) consumes \(step.consumed) of \(rest.count) bytes")
                }
                consumed += step.consumed
            }
        }
        buffer.removeFirst(consumed)
    }
    // Every decoder on the raw bytes.
    for type in [YKCFrameType.login, YKCFrameType.heartbeat, YKCFrameType.billingModelCheck, YKCFrameType.billingModelRequest,
                 YKCFrameType.realtimeData, YKCFrameType.bmsDemand, YKCFrameType.bmsStatus, YKCFrameType.transactionRecord] {
        decode(type: type, payload: input, into: &builder)
    }
    _ = builder.finish()
    return 0
}

/// Decodes `payload` as a frame of `type` and writes what it holds, as the YKC front-end does.
private func decode(type: UInt8, payload: UnsafeRawBufferPointer, into b: inout WriteBatchBuilder) {
    let now: Int64 = 1_700_000_000_000_000_000
    do {
        switch type {
        case YKCFrameType.login:
            let login = try YKCLogin(payload: payload)
            _ = YKCBytes.packedText(login.pileCode, digits: 14)
            YKCTelemetryWriter.addLogin(login, connectionKey: keys.telemetry, peer: "127.0.0.1:1", timestamp: now, to: &b)
        case YKCFrameType.heartbeat:
            let beat = try YKCHeartbeat(payload: payload)
            YKCTelemetryWriter.addHeartbeat(gunState: beat.gunState, keys: keys, timestamp: now, to: &b)
        case YKCFrameType.billingModelCheck:
            _ = try YKCBillingModelCheck(payload: payload)
        case YKCFrameType.billingModelRequest:
            _ = try YKCBillingModelRequest(payload: payload)
        case YKCFrameType.realtimeData:
            YKCTelemetryWriter.add(try YKCRealtimeData(payload: payload), keys: keys, timestamp: now, to: &b)
        case YKCFrameType.bmsDemand:
            YKCTelemetryWriter.add(try YKCBMSDemand(payload: payload), keys: keys, timestamp: now, to: &b)
        case YKCFrameType.bmsStatus:
            YKCTelemetryWriter.add(try YKCBMSStatus(payload: payload), keys: keys, timestamp: now, to: &b)
        case YKCFrameType.transactionRecord:
            for offset in [0, 8 * 3600, -12 * 3600] {
                let record = try YKCTransactionRecord(payload: payload, utcOffsetSeconds: offset)
                YKCTelemetryWriter.add(record, keys: keys, receivedAt: now, to: &b)
            }
        default:
            break
        }
    } catch {
        _ = "\(error)"
    }
}

// MARK: - Seeds

/// Writes the seed corpus (one file per frame kind a pile sends, and the stream: a
/// heartbeat whose length byte says 200 followed by ten good heartbeats) into `folder`.
private func writeSeeds(_ folder: String) throws {
    let pile: UInt64 = 0x32010600213533
    let trade = YKCTradeNumber(high: 0x3201_0600_2135_3301, low: 0x2310_0112_3456_0001)
    func frame(_ body: (inout YKCFrameEncoder) -> Void) -> [UInt8] {
        var e = YKCFrameEncoder()
        body(&e)
        return e.withFrame { Array($0) }
    }
    let heartbeat = frame { $0.heartbeat(sequence: (0, 2), pileCode: pile, gun: 1, gunState: 0) }
    var seeds: [String: [UInt8]] = [
        "login": frame { $0.login(sequence: (0, 1), pileCode: pile, guns: 2) },
        "login-crc-high-first": frame { $0.login(sequence: (0, 1), pileCode: pile, crcOrder: .highByteFirst) },
        "heartbeat": heartbeat,
        "billing-model-check": frame { $0.billingModelCheck(sequence: (0, 3), pileCode: pile, modelNumber: 1) },
        "billing-model-request": frame { $0.billingModelRequest(sequence: (0, 4), pileCode: pile) },
        "realtime-charging": frame {
            $0.realtimeData(sequence: (0, 5), YKCRealtimeData(trade: trade, pileCode: pile, gun: 1, status: 3, plugged: 1,
                                                              decivolts: 3_800, deciamps: 1_200, gunTemperatureRaw: 75, soc: 55,
                                                              batteryTemperatureRaw: 80, chargingMinutes: 12, remainingMinutes: 40,
                                                              energyRaw: 123_456, energyWithLossRaw: 124_000, amountRaw: 99_000))
        },
        "realtime-idle": frame {
            $0.realtimeData(sequence: (0, 6), YKCRealtimeData(trade: YKCTradeNumber(high: 0, low: 0), pileCode: pile, gun: 2, status: 2))
        },
        "bms-demand": frame {
            $0.bmsDemand(sequence: (0, 7), trade: trade, pileCode: pile, gun: 1, voltageDemand: 400, currentDemand: 120,
                         bmsVoltage: 395, bmsCurrent: 118, soc: 60, remainingMinutes: 30, chargingMinutes: 15)
        },
        "bms-status": frame { $0.bmsStatus(sequence: (0, 8), trade: trade, pileCode: pile, gun: 1, maxTemperature: 41, minTemperature: -20) },
        "transaction-record": frame {
            $0.transactionRecord(sequence: (0, 9), trade: trade, pileCode: pile, gun: 1,
                                 start: YKCCivilTime(year: 2023, month: 11, day: 14, hour: 22, minute: 13, second: 20),
                                 end: YKCCivilTime(year: 2023, month: 11, day: 15, hour: 0, minute: 1, second: 2, millisecond: 999),
                                 energyRaw: 4_560_000, amountRaw: 5_000_000, meterStartRaw: 1_000_000, vin: "LSVAU2180N2183294",
                                 stopReason: 0x40)
        },
    ]
    // The probe: L = 200 on a 17-byte heartbeat, then the pile's next ten heartbeats.
    var swallowing = heartbeat
    swallowing[1] = 200
    for _ in 0..<10 { swallowing += heartbeat }
    seeds["length-200-then-ten-heartbeats"] = swallowing
    // Garbage, a bad CRC and a frame split mid-way between two good ones.
    var damaged = heartbeat
    damaged[damaged.count - 1] ^= 0xFF
    seeds["garbage-badcrc-partial"] = Array("GET / HTTP/1.1\r\n".utf8) + damaged + heartbeat + Array(heartbeat.prefix(9))
    for (name, bytes) in seeds {
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name + ".ykc"))
    }
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
/// libFuzzer's driver (libFuzzer's own `main` is then not linked). `--write-seeds DIR` writes
/// the seed corpus instead.
@_cdecl("YKCFuzz_main")
public func ykcFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let arguments = CommandLine.arguments
    if arguments.count == 3 && arguments[1] == "--write-seeds" {
        do { try writeSeeds(arguments[2]) } catch { fatalError("cannot write seeds into \(arguments[2]): \(error)") }
        return 0
    }
    var count = argc
    var args = argv
    return runDriver(&count, &args) { data, size in
        ykcFuzz(data ?? UnsafePointer(bitPattern: 1)!, size)
    }
}
