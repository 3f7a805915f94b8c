/// StatusNotification's connector status mapped onto the gun status codes of docs/schema.md
/// (0 offline, 1 fault, 2 idle, 3 charging) and the `plugged` flag.
package enum OCPPConnectorStatus: String, Sendable, CaseIterable {
    case available = "Available"
    case preparing = "Preparing"
    case charging = "Charging"
    case suspendedEVSE = "SuspendedEVSE"
    case suspendedEV = "SuspendedEV"
    case finishing = "Finishing"
    case reserved = "Reserved"
    case unavailable = "Unavailable"
    case faulted = "Faulted"

    /// The gun status code: a session (charging or suspended by either side) is 3, a fault 1,
    /// a connector taken out of service 0 (it takes no sessions, as an offline gun), every
    /// other state 2.
    package var code: Int64 {
        switch self {
        case .charging, .suspendedEV, .suspendedEVSE: 3
        case .faulted: 1
        case .unavailable: 0
        case .available, .preparing, .finishing, .reserved: 2
        }
    }

    /// `plugged`: 1 in the states that need a vehicle, 0 when Available, nil when the state
    /// does not tell (Reserved, Unavailable, Faulted).
    package var plugged: Int64? {
        switch self {
        case .preparing, .charging, .suspendedEV, .suspendedEVSE, .finishing: 1
        case .available: 0
        case .reserved, .unavailable, .faulted: nil
        }
    }

    /// The error codes StatusNotification allows.
    package static let errorCodes: Set<String> = [
        "ConnectorLockFailure", "EVCommunicationError", "GroundFailure", "HighTemperature", "InternalError",
        "LocalListConflict", "NoError", "OtherError", "OverCurrentFailure", "PowerMeterFailure", "PowerSwitchFailure",
        "ReaderFailure", "ResetFailure", "UnderVoltage", "OverVoltage", "WeakSignal",
    ]
}
