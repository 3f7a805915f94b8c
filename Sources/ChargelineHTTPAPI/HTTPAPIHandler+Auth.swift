import ChargelineAuth
import ChargelineFrontEnd
import Dispatch
import NIOCore

extension HTTPAPIHandler {
    /// Whether `route` needs credentials when auth is on: everything that reads, writes or
    /// administers data; not `/ping`, `/health`, `/ready` or `/metrics` (as InfluxDB 1.x, whose
    /// ping and metrics answer without credentials).
    static func needsAuthentication(_ route: HTTPRoute) -> Bool {
        switch route {
        case .write, .query, .ykcSessions, .report, .snapshot, .rules, .ocppTrigger: true
        case .answer, .ping, .metrics, .ready: false
        }
    }

    /// Authenticates the current request's `credentials` and calls `then` on the event loop with
    /// who sent it, or answers the refusal (401). A password not verified before is hashed on a
    /// global queue, never on the event loop; reading stays held meanwhile (state `.waiting`).
    func authenticate(_ credentials: Credentials?, authorizer: RequestAuthorizer, context: ChannelHandlerContext,
                      then: @escaping (RequestAuthorizer.Identity) -> Void) {
        switch authorizer.authenticate(credentials) {
        case .done(.success(let identity)):
            then(identity)
        case .done(.failure(let refusal)):
            refuse(refusal, context: context)
        case .needsHash(let credentials):
            let loop = context.eventLoop
            let bound = NIOLoopBound((self, context, then), eventLoop: loop)
            DispatchQueue.global(qos: .userInitiated).async {
                let result = authorizer.authenticateSlowly(credentials)
                loop.execute {
                    let (handler, context, then) = bound.value
                    switch result {
                    case .success(let identity): then(identity)
                    case .failure(let refusal): handler.refuse(refusal, context: context)
                    }
                }
            }
        }
    }

    /// Answers a refused request, counted in `chargeline_auth_failures_total`.
    func refuse(_ refusal: RequestAuthorizer.Refusal, context: ChannelHandlerContext) {
        api.stats.metrics?.countAuthFailure(status: refusal.status)
        respond(status: refusal.status, json: JSON.error(refusal.message),
                headers: refusal.status == 401 ? [("WWW-Authenticate", "Basic realm=\"chargeline\"")] : [], context: context)
    }

    /// Who may do what `route` does (everything but `/query`, which `handleQuery` checks per
    /// statement once the form body is merged).
    func authorize(_ route: HTTPRoute, identity: RequestAuthorizer.Identity, authorizer: RequestAuthorizer) -> RequestAuthorizer.Refusal? {
        switch route {
        case .write(let database, _):
            return authorizer.authorizeWrite(identity, database: database)
        case .ykcSessions:
            return authorizer.authorizeAdmin(identity, what: "/ykc/sessions")
        case .snapshot:
            return authorizer.authorizeAdmin(identity, what: "/api/v1/snapshot")
        case .ocppTrigger:
            return authorizer.authorizeAdmin(identity, what: "/ocpp/trigger")
        case .rules(let path):
            // Rules and alerts carry labels and values of every database the rules read.
            return authorizer.authorizeAdmin(identity, what: path)
        case .report(_, let parameters):
            if let db = parameters["db"] { return authorizer.authorizeRead(identity, database: db) }
            return authorizer.authorizeAdmin(identity, what: "a report without db=")
        case .query, .answer, .ping, .metrics, .ready:
            return nil
        }
    }
}
