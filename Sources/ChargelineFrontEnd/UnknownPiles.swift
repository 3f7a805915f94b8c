/// What a pile front-end does with a pile whose code is not in the registry
/// (`YKCPileDirectory.unknownPiles`).
public enum UnknownPiles: String, Sendable, CaseIterable {
    /// Answer its login with "rejected" and close (the protocol's meaning of result 1).
    case reject
    /// Accept it and tag its telemetry `station=unregistered`.
    case accept
}
