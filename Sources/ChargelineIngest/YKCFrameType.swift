/// YKC frame type codes (frame byte 5) that the front-end handles. Odd codes travel pile ->
/// platform, even codes platform -> pile. Kept as raw `UInt8` constants so a frame's type byte
/// is compared without conversion on the hot path.
public enum YKCFrameType {
    /// Login (pile -> platform); nothing else is accepted before it.
    public static let login: UInt8 = 0x01
    /// Login reply.
    public static let loginReply: UInt8 = 0x02
    /// Heartbeat, every 10 s.
    public static let heartbeat: UInt8 = 0x03
    /// Heartbeat reply.
    public static let heartbeatReply: UInt8 = 0x04
    /// Billing-model check (is my model number current?).
    public static let billingModelCheck: UInt8 = 0x05
    /// Billing-model check reply.
    public static let billingModelCheckReply: UInt8 = 0x06
    /// Billing-model request.
    public static let billingModelRequest: UInt8 = 0x09
    /// Billing-model reply (the full model).
    public static let billingModelReply: UInt8 = 0x0A
    /// Realtime monitoring data (telemetry).
    public static let realtimeData: UInt8 = 0x13
    /// BMS demand and charger output.
    public static let bmsDemand: UInt8 = 0x23
    /// BMS status: battery temperatures.
    public static let bmsStatus: UInt8 = 0x25
    /// Transaction record (V1.5/V1.6 code; V1.2-1.4 used 0x39).
    public static let transactionRecord: UInt8 = 0x3B
    /// Transaction record acknowledgement.
    public static let transactionRecordAck: UInt8 = 0x40

    /// Pile -> platform frames the front-end understands but stores nothing from (GB/T
    /// handshake/parameter/end/error frames, stop reasons, remote start/stop replies, card
    /// requests, clock sync and OTA replies). They are accepted without counting as bad input.
    public static func isKnownUnstored(_ type: UInt8) -> Bool {
        switch type {
        case 0x15, 0x17, 0x19, 0x1B, 0x1D, 0x21, 0x31, 0x33, 0x35, 0x41, 0x43, 0x45, 0x47, 0x51, 0x55, 0x57,
             0x61, 0x63, 0x91, 0x93, 0xA1, 0xA3:
            return true
        default:
            return false
        }
    }
}
