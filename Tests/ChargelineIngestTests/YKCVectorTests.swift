import ChargelineIngest
import Foundation
import Testing

/// Every CRC-valid vector in `ykc-vectors.txt` frames with the documented CRC order and
/// decodes to the documented values; platform frames are reproduced byte for byte.
@Suite struct YKCVectorTests {
    /// Offset of the pile code in each frame type's payload (after the trade number for
    /// session frames).
    static let pileOffset: [UInt8: Int] = [
        0x01: 0, 0x02: 0, 0x03: 0, 0x04: 0, 0x05: 0, 0x06: 0, 0x09: 0, 0x0A: 0, 0x12: 0, 0x52: 0, 0x56: 0,
        0x91: 0, 0x92: 0, 0x93: 0, 0x94: 0, 0x13: 16, 0x15: 16, 0x17: 16, 0x23: 16, 0x25: 16, 0x32: 16, 0x34: 16,
        0x3B: 16,
    ]

    static var valid: [YKCVector] { YKCVector.all.filter { $0.crc != "MISMATCH" } }

    @Test func theFileHoldsTheExpectedVectors() {
        #expect(YKCVector.all.count >= 60)
        #expect(Self.valid.count >= 27)
        #expect(Self.valid.contains { $0.crc == "BE" })
    }

    @Test func crcCheckValues() {
        #expect(YKCCRC16.checksum(Array("123456789".utf8)) == 0x4B37)
        #expect(YKCCRC16.checksum([0x00, 0x00, 0x00, 0x02, 0x55, 0x03, 0x14, 0x12, 0x78, 0x23, 0x05, 0x00]) == 0x4CDA)
    }

    @Test(arguments: valid.map(\.line))
    func validVectorFramesAndDecodes(line: Int) throws {
        let v = try #require(YKCVector.all.first { $0.line == line })
        try v.bytes.withUnsafeBytes { raw in
            let step = YKCFramer.next(in: raw)
            if v.lengthOK {
                #expect(step == .frame(count: v.bytes.count, crcOrder: v.crc == "LE" ? .lowByteFirst : .highByteFirst),
                        "line \(line)")
            } else {
                // A wrong length byte (documented in the vector) cannot frame; the CRC itself is valid.
                let crc = YKCCRC16.checksum(UnsafeRawBufferPointer(rebasing: raw[2..<(raw.count - 2)]))
                #expect(raw[raw.count - 2] == UInt8(crc & 0xFF) && raw[raw.count - 1] == UInt8(crc >> 8))
                return
            }
            let frame = YKCFrame(raw)
            #expect(frame.type == v.type)
            #expect(YKCBytes.hex(raw, 2, 2) == v.sequence?.uppercased())
            if let pile = v.string("pile"), let off = Self.pileOffset[v.type] {
                #expect(YKCBytes.hex(frame.payload, off, 7) == pile, "line \(line)")
            }
            if let trade = v.string("trade") {
                #expect(YKCTradeNumber(frame.payload, 0).text == trade)
            }
            try checkFields(v, frame)
        }
    }

    func checkFields(_ v: YKCVector, _ frame: YKCFrame) throws {
        switch v.type {
        case YKCFrameType.login:
            let l = try YKCLogin(payload: frame.payload)
            #expect(Int(l.pileType) == v.int("pile_type"))
            #expect(Int(l.gunCount) == v.int("guns"))
            #expect(Int(l.protocolVersion) == v.int("proto_ver"))
            #expect(l.firmware == v.string("fw"))
            #expect(Int(l.networkType) == v.int("net"))
            #expect(l.sim == v.string("sim"))
            #expect(Int(l.carrier) == v.int("carrier"))
        case YKCFrameType.realtimeData:
            let d = try YKCRealtimeData(payload: frame.payload)
            #expect(d.gun == Int(v.string("gun")!)!)
            #expect(Int(d.status) == v.int("status"))
            #expect(Int(d.holstered) == v.int("homed"))
            #expect(Int(d.plugged) == v.int("plugged"))
            #expect(d.voltage == v.double("V"))
            #expect(d.current == v.double("A"))
            #expect(d.gunTemperature == v.int("gun_temp_C"))
            #expect(Int(d.soc) == v.int("soc"))
            #expect(d.batteryTemperature == v.int("batt_max_temp_C"))
            #expect(Int(d.chargingMinutes) == v.int("charge_min"))
            #expect(Int(d.remainingMinutes) == v.int("remain_min"))
            #expect(d.energy == v.double("kWh"))
            #expect(Double(d.energyWithLossRaw) / 10_000 == v.double("loss_kWh"))
            #expect(d.amount == v.double("amount_yuan"))
            #expect(String(format: "0x%04X", d.faultBits) == v.string("hw_fault"))
        case YKCFrameType.bmsStatus:
            let s = try YKCBMSStatus(payload: frame.payload)
            #expect(s.maxVoltageCell == v.int("max_cell_V_no"))
            #expect(s.maxTemperature == v.int("batt_max_C"))
            #expect(s.maxTemperatureProbe == v.int("max_T_pt"))
            #expect(s.minTemperature == v.int("batt_min_C"))
            #expect(s.minTemperatureProbe == v.int("min_T_pt"))
        case YKCFrameType.loginReply:
            var e = YKCFrameEncoder()
            e.loginReply(sequence: frame.sequence, pileCode: YKCBytes.bcdPacked(frame.payload, 0, 7),
                         accepted: v.int("result") == 0)
            #expect(Array(e.frame) == v.bytes)
        case YKCFrameType.heartbeatReply:
            var e = YKCFrameEncoder()
            e.heartbeatReply(sequence: frame.sequence, pileCode: YKCBytes.bcdPacked(frame.payload, 0, 7),
                             gun: Int(v.string("gun")!)!)
            #expect(Array(e.frame) == v.bytes)
        case YKCFrameType.billingModelCheckReply where frame.payload.count == 10:
            var e = YKCFrameEncoder()
            e.billingModelCheckReply(sequence: frame.sequence, pileCode: YKCBytes.bcdPacked(frame.payload, 0, 7),
                                     modelNumber: UInt16(v.string("model")!, radix: 16)!, matches: v.int("result") == 0)
            #expect(Array(e.frame) == v.bytes)
        case YKCFrameType.transactionRecordAck:
            var e = YKCFrameEncoder()
            e.transactionRecordAck(sequence: frame.sequence, trade: YKCTradeNumber(frame.payload, 0),
                                   accepted: v.int("result") == 0)
            #expect(Array(e.frame) == v.bytes)
        default:
            break
        }
    }

    /// The JCPP 0x0A has a wrong length byte (0x5A for a 90-byte payload) but a valid CRC:
    /// the encoder reproduces every other byte from the documented model.
    @Test func billingModelReplyMatchesTheCaptureExceptItsWrongLengthByte() throws {
        let v = try #require(YKCVector.all.first { $0.type == 0x0A && $0.crc == "LE" })
        let slots = Array(v.string("slots48")!.utf8).chunked2().map { UInt8($0, radix: 10)! }
        let model = YKCBillingModel(modelNumber: 0x0001, prices: [75_000, 45_000, 75_000, 45_000, 75_000, 45_000, 75_000, 45_000],
                                    slots: slots)
        var e = YKCFrameEncoder()
        e.billingModelReply(sequence: (v.bytes[2], v.bytes[3]), pileCode: 0x20231212000010, model: model)
        var expected = v.bytes
        expected[1] = 0x5E
        #expect(Array(e.frame) == expected)
    }

    /// The heartbeat-reply capture has L = 0x09 (should be 0x0D); everything else matches.
    @Test func heartbeatReplyMatchesTheCaptureExceptItsWrongLengthByte() throws {
        let v = try #require(YKCVector.all.first { $0.type == 0x04 && $0.crc == "LE" })
        var e = YKCFrameEncoder()
        e.heartbeatReply(sequence: (v.bytes[2], v.bytes[3]), pileCode: 0x20231212000010, gun: 1)
        var expected = v.bytes
        expected[1] = 0x0D
        #expect(Array(e.frame) == expected)
    }

    /// Document samples with hand-edited CRCs still carry payloads worth decoding: re-CRC them.
    @Test func mismatchedSamplesDecodeOnceTheirCRCIsRecomputed() throws {
        func reCRC(_ v: YKCVector) -> [UInt8] {
            var b = v.bytes
            let crc = YKCCRC16.checksum(Array(b[2..<(b.count - 2)]))
            b[b.count - 2] = UInt8(crc & 0xFF)
            b[b.count - 1] = UInt8(crc >> 8)
            return b
        }
        let heartbeat = try #require(YKCVector.all.first { $0.type == 0x03 })
        try reCRC(heartbeat).withUnsafeBytes { raw in
            let h = try YKCHeartbeat(payload: YKCFrame(raw).payload)
            #expect(YKCBytes.packedText(h.pileCode, digits: 14) == heartbeat.string("pile"))
            #expect(h.gun == 1 && Int(h.gunState) == heartbeat.int("status_or_ack"))
        }
        let check = try #require(YKCVector.all.first { $0.type == 0x05 })
        try reCRC(check).withUnsafeBytes { raw in
            let c = try YKCBillingModelCheck(payload: YKCFrame(raw).payload)
            #expect(c.modelNumber == 0x0001 && YKCBytes.packedText(c.pileCode, digits: 14) == "32010200000001")
        }
        let demand = try #require(YKCVector.all.first { $0.type == 0x23 })
        try reCRC(demand).withUnsafeBytes { raw in
            let d = try YKCBMSDemand(payload: YKCFrame(raw).payload)
            #expect(Double(d.voltageDemandRaw) / 10 == demand.double("bms_req_V"))
            #expect(Double(d.currentDemandRaw) / 10 - 400 == demand.double("bms_req_A"))
            #expect(Int(d.chargeMode) == demand.int("mode"))
            #expect(Double(d.bmsVoltageRaw) / 10 == demand.double("bms_meas_V"))
            #expect(d.cellVoltageMax == demand.double("max_cell_V"))
            #expect(d.cellVoltageGroup == demand.int("max_cell_group"))
            #expect(Int(d.soc) == demand.int("soc"))
            #expect(Int(d.remainingMinutes) == demand.int("remain_min"))
            #expect(Double(d.chargerVoltageRaw) / 10 == demand.double("pile_out_V"))
            #expect(Double(d.chargerCurrentRaw) / 10 - 400 == demand.double("pile_out_A"))
            #expect(Int(d.chargingMinutes) == demand.int("charge_min"))
        }
        let record = try #require(YKCVector.all.first { $0.type == 0x3B })
        try reCRC(record).withUnsafeBytes { raw in
            let r = try YKCTransactionRecord(payload: YKCFrame(raw).payload, utcOffsetSeconds: 8 * 3600)
            #expect(r.trade.text == record.string("trade"))
            // 2020-03-16 17:14:47.000 Beijing time = 09:14:47 UTC.
            #expect(r.startTime == 1_584_350_087_000_000_000)
            #expect(r.periods[0].priceRaw == 130_000)
            #expect(r.meterStartRaw == 0x0100000000 && r.meterEndRaw == 0x0900000000)
            #expect(r.vin == "WDCDF7BE1GA801178")
            #expect(r.stopReason == 0x40 && r.tradeFlag == 2)
        }
    }
}

extension Array where Element == UInt8 {
    func chunked2() -> [String] {
        stride(from: 0, to: count, by: 2).map { String(decoding: self[$0..<($0 + 2)], as: UTF8.self) }
    }
}
