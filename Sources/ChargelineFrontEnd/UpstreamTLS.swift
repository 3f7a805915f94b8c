import ChargelineCore
import NIOSSL

/// How a gateway checks the storage node's certificate when it forwards over HTTPS
/// (`gateway --upstream https://HOST:PORT`).
public struct UpstreamTLS: Sendable, Equatable {
    /// Which certificates the gateway accepts.
    public enum Trust: Sendable, Equatable {
        /// The system's trust store, with the host name checked (a certificate from a public or
        /// company CA).
        case system
        /// The CA certificates in this PEM file, with the host name checked.
        case caFile(String)
        /// Exactly the certificate in this PEM file (its first), whatever the host name: for a
        /// node with a self-signed certificate, and for `serve`'s own gateway processes reaching
        /// it over loopback. The file is read again for every connection, so a certificate the
        /// node reloads on SIGHUP is followed once the file is replaced.
        case pinned(String)
    }

    /// The trust.
    public var trust: Trust

    /// A setting.
    public init(trust: Trust) { self.trust = trust }

    /// The client configuration of a new connection: TLS 1.2 minimum, as the server side.
    func configuration() throws -> TLSConfiguration {
        var c = TLSConfiguration.makeClientConfiguration()
        c.minimumTLSVersion = .tlsv12
        switch trust {
        case .system: break
        case .caFile(let path): c.trustRoots = .file(path)
        case .pinned: c.certificateVerification = .noHostnameVerification
        }
        return c
    }

    /// The certificate a pinned connection must be served; nil for the other trusts.
    /// - Throws: `ChargelineError` (`.badInput`) naming the file when it holds no certificate.
    func pinnedCertificate() throws -> NIOSSLCertificate? {
        guard case .pinned(let path) = trust else { return nil }
        do {
            guard let first = try NIOSSLCertificate.fromPEMFile(path).first else { throw ChargelineError(.badInput, "no certificate") }
            return first
        } catch {
            throw ChargelineError(.badInput, "cannot read the storage node's certificate \(path) (--upstream-pin): \(error); give the PEM file the node serves (its --tls-cert)", cause: error)
        }
    }
}
