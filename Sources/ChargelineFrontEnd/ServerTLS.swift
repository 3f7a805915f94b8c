import ChargelineCore
import Foundation
public import Logging
public import NIOCore
import NIOSSL

/// The server certificate and key every TLS listener of a process shares, and which listeners
/// use them: one object, handed to the HTTP API, the line-protocol listener and the pile
/// front-ends through their configurations.
///
/// The context is built from the two PEM files at start and again by `reload()` (SIGHUP): a
/// connection accepted after a successful reload gets the new certificate, connections open
/// before keep theirs. A reload that fails (missing file, bad PEM, key not matching the
/// certificate) keeps the previous context and logs why. Only TLS 1.2 and later are offered.
///
/// Thread-safe: listeners on any event loop read `context`; `reload()` may run on any thread.
public final class ServerTLS: Sendable {
    /// The PEM file with the server certificate first, then any intermediates.
    public let certificatePath: String
    /// The PEM file with the certificate's private key (unencrypted).
    public let privateKeyPath: String
    /// The listeners that speak TLS; the others stay plain.
    public let listeners: Set<TLSListener>
    /// How long a new connection may take to complete its handshake before it is closed.
    /// 10 s: a real client needs a few round trips; a connection that says nothing holds a
    /// descriptor for no one.
    public let handshakeTimeout: TimeAmount

    private let state: Locked<(context: NIOSSLContext, summary: String)>
    private let failures = Locked<[TLSListener: Int]>([:])
    private let lastWarning = Locked<[TLSListener: NIODeadline]>([:])
    private let logger: Logger

    /// Loads the certificate and key and builds the context.
    /// - Throws: `ChargelineError` (`.badInput`) naming the file that cannot be read or used
    ///   and what to give instead.
    public init(certificatePath: String, privateKeyPath: String, listeners: Set<TLSListener> = TLSListener.defaults,
                handshakeTimeout: TimeAmount = .seconds(10), logger: Logger = Logger(label: "chargeline.tls")) throws {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.listeners = listeners
        self.handshakeTimeout = handshakeTimeout
        self.logger = logger
        state = Locked(try Self.load(certificatePath: certificatePath, privateKeyPath: privateKeyPath))
    }

    /// Whether `listener` speaks TLS.
    public func covers(_ listener: TLSListener) -> Bool { listeners.contains(listener) }

    /// The certificate served to new connections: serial number and expiry, for logs.
    public var certificateSummary: String { state.withLock { $0.summary } }

    /// Handshakes that failed, by listener: plain connections to a TLS port, clients offering
    /// only TLS 1.0/1.1, connections that sent nothing within `handshakeTimeout`.
    public var handshakeFailures: [TLSListener: Int] { failures.withLock { $0 } }

    /// Re-reads both files and, when they make a valid context, serves it to new connections.
    /// Logs the outcome either way. Returns whether the new certificate is in use.
    @discardableResult
    public func reload() -> Bool {
        do {
            let loaded = try Self.load(certificatePath: certificatePath, privateKeyPath: privateKeyPath)
            state.withLock { $0 = loaded }
            logger.notice("reloaded the TLS certificate: new connections get \(loaded.summary) from \(certificatePath)")
            return true
        } catch {
            logger.error("TLS certificate not reloaded, connections keep getting \(certificateSummary): \(error)")
            return false
        }
    }

    /// Puts the TLS handler and its handshake guard first in a new connection's pipeline
    /// (call from the child channel initializer, before the protocol's own handlers).
    package func addHandlers(to channel: any Channel, listener: TLSListener) throws {
        let context = state.withLock { $0.context }
        let ops = channel.pipeline.syncOperations
        try ops.addHandler(NIOSSLServerHandler(context: context))
        try ops.addHandler(TLSHandshakeGuard(tls: self, listener: listener))
    }

    /// Counts one failed handshake and logs it, one warning per listener per 10 s at most (a
    /// scanner must not flood the log); the others go to debug.
    func recordFailure(listener: TLSListener, peer: String, reason: String) {
        let total = failures.withLock { counts -> Int in
            counts[listener, default: 0] += 1
            return counts.values.reduce(0, +)
        }
        let now = NIODeadline.now()
        let warn = lastWarning.withLock { last -> Bool in
            if let previous = last[listener], now - previous <= .seconds(10) { return false }
            last[listener] = now
            return true
        }
        let message: Logger.Message = "TLS handshake failed on the \(listener.rawValue) listener, connection closed (a plain-text client, TLS older than 1.2, or no handshake in time)"
        let metadata: Logger.Metadata = ["peer": "\(peer)", "reason": "\(reason)", "failedSoFar": "\(total)"]
        if warn { logger.warning(message, metadata: metadata) } else { logger.debug(message, metadata: metadata) }
    }

    // MARK: Building the context

    /// The server configuration: the chain and key given, TLS 1.2 minimum (1.0 and 1.1 are
    /// deprecated by RFC 8996), NIOSSL's default cipher suites, no client certificates.
    static func configuration(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) -> TLSConfiguration {
        var c = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        c.minimumTLSVersion = .tlsv12
        return c
    }

    static func load(certificatePath: String, privateKeyPath: String) throws -> (context: NIOSSLContext, summary: String) {
        func bad(_ message: String, _ cause: (any Error)? = nil) -> ChargelineError {
            ChargelineError(.badInput, message, cause: cause)
        }
        for (path, what) in [(certificatePath, "certificate (--tls-cert)"), (privateKeyPath, "private key (--tls-key)")]
        where !FileManager.default.isReadableFile(atPath: path) {
            throw bad("cannot read the TLS \(what) \(path): no such file or no permission")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw bad("the TLS certificate \(certificatePath) is not a PEM certificate (\(error)); give the server certificate first, then its intermediates, each as -----BEGIN CERTIFICATE-----", error)
        }
        guard let leaf = chain.first else {
            throw bad("the TLS certificate \(certificatePath) holds no certificate; give a PEM file with -----BEGIN CERTIFICATE-----")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw bad("the TLS private key \(privateKeyPath) is not an unencrypted PEM private key (\(error)); give the key of \(certificatePath) without a passphrase", error)
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration(chain: chain, key: key))
        } catch {
            throw bad("the TLS certificate \(certificatePath) and key \(privateKeyPath) cannot be used together (\(error)); check that the key is the certificate's", error)
        }
        let serial = leaf.serialNumber.map { String(format: "%02x", $0) }.joined()
        let expiry = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        return (context, "certificate serial \(serial) valid until \(ISO8601DateFormatter().string(from: expiry))")
    }
}
