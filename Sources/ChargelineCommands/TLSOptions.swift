import ArgumentParser
import ChargelineFrontEnd
import Foundation
import Logging

/// `--tls-cert`, `--tls-key` and `--tls-listeners`, shared by `serve` and `gateway`, over the
/// `[tls]` section of the configuration file.
struct TLSOptions: ParsableArguments {
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Server certificate (PEM: the certificate, then its intermediates) for the TLS listeners; reloaded on SIGHUP (overrides [tls] certificate).", valueName: "file"))
    var certificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The certificate's private key (PEM, unencrypted); reloaded on SIGHUP (overrides [tls] private_key).", valueName: "file"))
    var privateKey: String?

    @Option(name: .customLong("tls-listeners"), help: ArgumentHelp("Listeners that speak TLS, comma-separated: http, line_protocol, ocpp, ykc (default http,line_protocol,ocpp: YKC stays plain, most piles cannot; overrides [tls] listeners).", valueName: "list"))
    var listenerList: String?

    /// The TLS settings, nil when no certificate is configured. `available` lists the listeners
    /// this command has: others named are ignored (gateway has no HTTP API), so one list serves
    /// both commands.
    /// - Throws: `ValidationError` for a certificate without a key (or the reverse) or an unknown
    ///   listener; `ChargelineError` for files that cannot be used.
    func serverTLS(config: String?, available: Set<TLSListener>, logger: Logger) throws -> ServerTLS? {
        let file = try config.map { try Configuration.load($0).tls } ?? Configuration.TLSSection()
        let certificate = self.certificate ?? file.certificate
        let privateKey = self.privateKey ?? file.privateKey
        var names: Set<TLSListener>?
        if let listenerList {
            names = try Self.listeners(listenerList.split(separator: ",").map(String.init), "--tls-listeners")
        } else if let list = file.listeners {
            names = try Self.listeners(list, "[tls] listeners")
        }
        switch (certificate, privateKey) {
        case (nil, nil):
            if names != nil { throw ValidationError("--tls-listeners needs --tls-cert and --tls-key (or [tls] certificate and private_key)") }
            return nil
        case (nil, _), (_, nil):
            throw ValidationError("TLS needs both --tls-cert and --tls-key (or [tls] certificate and private_key)")
        case (let certificate?, let privateKey?):
            let listeners = (names ?? TLSListener.defaults).intersection(available)
            return try ServerTLS(certificatePath: certificate, privateKeyPath: privateKey, listeners: listeners,
                                 logger: logger)
        }
    }

    /// The same options as arguments (for `serve` starting gateway children).
    static func arguments(_ tls: ServerTLS) -> [String] {
        ["--tls-cert", tls.certificatePath, "--tls-key", tls.privateKeyPath,
         "--tls-listeners", tls.listeners.map(\.rawValue).sorted().joined(separator: ",")]
    }

    static func listeners(_ names: [String], _ source: String) throws -> Set<TLSListener> {
        var set = Set<TLSListener>()
        for raw in names {
            let name = raw.trimmingCharacters(in: .whitespaces)
            guard let l = TLSListener(rawValue: name) else {
                throw ValidationError("\(source): unknown listener \(name) (known: \(TLSListener.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            set.insert(l)
        }
        return set
    }
}
