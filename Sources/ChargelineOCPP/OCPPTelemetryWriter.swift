public import ChargelineCore
package import ChargelineIngest

/// Turns OCPP messages into points of docs/schema.md (`telemetry`, `transaction`,
/// `connection`, `data_transfer`), over the same series keys as YKC (`YKCSeriesKeys`).
package enum OCPPTelemetryWriter {
    @inline(__always)
    static func begin(_ key: [UInt8], _ b: inout WriteBatchBuilder) {
        key.withUnsafeBytes { b.beginPoint(seriesKey: $0) }
    }

    @inline(__always)
    static func float(_ name: String, _ value: Double, _ b: inout WriteBatchBuilder) {
        var name = name
        name.withUTF8 { b.addFloat(name: UnsafeRawBufferPointer($0), value) }
    }

    @inline(__always)
    static func integer(_ name: String, _ value: Int64, _ b: inout WriteBatchBuilder) {
        var name = name
        name.withUTF8 { b.addInteger(name: UnsafeRawBufferPointer($0), value) }
    }

    @inline(__always)
    static func string(_ name: String, _ value: String, _ b: inout WriteBatchBuilder) {
        var name = name
        var value = value
        name.withUTF8 { n in value.withUTF8 { v in b.addString(name: UnsafeRawBufferPointer(n), UnsafeRawBufferPointer(v)) } }
    }

    /// A mapped meter value -> one `telemetry` point at the charge point's timestamp (nothing
    /// when every sampled value was skipped).
    package static func add(_ m: OCPPMeterValue, transactionID: Int64?, key: [UInt8], to b: inout WriteBatchBuilder) {
        guard !m.fields.isEmpty else { return }
        begin(key, &b)
        for f in m.fields {
            if f.isInteger { integer(f.name, Int64(f.value), &b) } else { float(f.name, f.value, &b) }
        }
        if let transactionID { integer("transaction_id", transactionID, &b) }
        b.endPoint(timestamp: m.timestamp)
    }

    /// StatusNotification -> `telemetry`: `status` (gun code), `plugged` when the state tells,
    /// `ocpp_status`, `error_code`, and `vendor_error_code`/`info` when sent.
    package static func addStatus(_ status: OCPPConnectorStatus, errorCode: String, info: String?, vendorErrorCode: String?,
                                  key: [UInt8], timestamp: Int64, to b: inout WriteBatchBuilder) {
        begin(key, &b)
        integer("status", status.code, &b)
        if let p = status.plugged { integer("plugged", p, &b) }
        string("ocpp_status", status.rawValue, &b)
        string("error_code", errorCode, &b)
        if let vendorErrorCode, !vendorErrorCode.isEmpty { string("vendor_error_code", vendorErrorCode, &b) }
        if let info, !info.isEmpty { string("info", info, &b) }
        b.endPoint(timestamp: timestamp)
    }

    /// `telemetry status=0` for a gun whose charge point disconnected.
    package static func addOffline(key: [UInt8], timestamp: Int64, to b: inout WriteBatchBuilder) {
        begin(key, &b)
        integer("status", 0, &b)
        b.endPoint(timestamp: timestamp)
    }

    /// A finished transaction -> one `transaction` point at its stop time, as YKC's 0x3B:
    /// `trade` (the transaction id as text), `transaction_id`, `start_time` (ns), `meter_start`,
    /// `meter_end`, `energy` (kWh), `id_tag`, `reason` (OCPP's stop reason text).
    package static func addTransaction(_ t: OCPPTransaction, meterStop: Int64, stopTime: Int64, reason: String?,
                                       key: [UInt8], to b: inout WriteBatchBuilder) {
        begin(key, &b)
        string("trade", String(t.id), &b)
        integer("transaction_id", t.id, &b)
        if let start = t.startTime { integer("start_time", start, &b) }
        if let meterStart = t.meterStart {
            float("meter_start", Double(meterStart) / 1000, &b)
            float("energy", Double(meterStop - meterStart) / 1000, &b)
        }
        float("meter_end", Double(meterStop) / 1000, &b)
        if let tag = t.idTag, !tag.isEmpty { string("id_tag", tag, &b) }
        string("reason", reason ?? "Local", &b)
        b.endPoint(timestamp: stopTime)
    }

    /// An accepted BootNotification -> `connection`: `online=1`, `event="boot"`, `peer`,
    /// `vendor`, `charge_point_model`, `firmware` when sent.
    package static func addBoot(vendor: String, model: String, firmware: String?, peer: String, key: [UInt8], timestamp: Int64,
                                to b: inout WriteBatchBuilder) {
        begin(key, &b)
        integer("online", 1, &b)
        string("event", "boot", &b)
        string("peer", peer, &b)
        string("vendor", vendor, &b)
        string("charge_point_model", model, &b)
        if let firmware, !firmware.isEmpty { string("firmware", firmware, &b) }
        b.endPoint(timestamp: timestamp)
    }

    /// A closed connection -> `connection online=0 event=...`.
    package static func addDisconnect(event: String, key: [UInt8], timestamp: Int64, to b: inout WriteBatchBuilder) {
        begin(key, &b)
        integer("online", 0, &b)
        string("event", event, &b)
        b.endPoint(timestamp: timestamp)
    }

    /// DataTransfer -> `data_transfer` (tags of `connection`): `vendor_id`, `message_id` when
    /// sent, `data` (the `data` member as sent, JSON text when it is not a string).
    package static func addDataTransfer(vendorID: String, messageID: String?, data: String?, key: [UInt8], timestamp: Int64,
                                        to b: inout WriteBatchBuilder) {
        begin(key, &b)
        string("vendor_id", vendorID, &b)
        if let messageID { string("message_id", messageID, &b) }
        if let data { string("data", data, &b) }
        b.endPoint(timestamp: timestamp)
    }
}

/// Series keys of one charge point: `connection`/`data_transfer` (no gun) and per connector.
package struct OCPPSeriesKeys: Sendable {
    /// `connection,...`.
    package let connection: [UInt8]
    /// `data_transfer,...`.
    package let dataTransfer: [UInt8]
    /// `pile_state,...` without `gun`: the charge point's registration, boots, disconnects and
    /// activity (`YKCPileStateWriter`, as for a YKC pile).
    package let pileState: [UInt8]
    private let id: String
    private let info: YKCPileInfo
    private var guns: [Int: YKCSeriesKeys] = [:]

    /// Keys for charge point `id` tagged with registry entry `info`.
    package init(id: String, info: YKCPileInfo) {
        self.id = id
        self.info = info
        connection = YKCSeriesKeys.connection(pileText: id, info: info)
        pileState = YKCSeriesKeys.pileState(pileText: id, info: info)
        var tags = info.tags
        tags["pile"] = id
        dataTransfer = SeriesKey.make(measurement: "data_transfer", tags: tags)
    }

    /// The keys of connector `gun` (0 = the charge point as a whole), built on first use.
    package mutating func gun(_ gun: Int) -> YKCSeriesKeys {
        if let k = guns[gun] { return k }
        let k = YKCSeriesKeys(pileText: id, gun: gun, info: info)
        guns[gun] = k
        return k
    }

    /// The connectors seen so far.
    package var connectors: [Int] { guns.keys.sorted() }
}
