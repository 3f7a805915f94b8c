import ArgumentParser
import ChargelineAlerts
import ChargelineHTTPAPI
import ChargelineQuery
import Logging

/// Serve's alerting flags, and the one place that builds the rule manager from them.
struct AlertOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Alerting and recording rules (YAML, docs/alerting.md); SIGHUP or a change reloads it.", valueName: "file"))
    var rules: String?

    @Option(name: .long, help: ArgumentHelp("Alertmanager to send alerts to (API v2); repeat for several.", valueName: "url"))
    var alertmanager: [String] = []

    @Option(name: .customLong("alert-webhook"), help: ArgumentHelp("URL to POST alerts to as JSON (docs/alerting.md); repeat for several.", valueName: "url"))
    var alertWebhook: [String] = []

    @Option(name: .customLong("alert-external-url"), help: ArgumentHelp("Base of the alerts' generatorURL (default: the HTTP API's address).", valueName: "url"))
    var externalURL: String?

    func validate() throws {
        for url in alertmanager + alertWebhook where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ValidationError("--alertmanager / --alert-webhook take an http:// or https:// URL (got \(url))")
        }
        if rules == nil && !(alertmanager.isEmpty && alertWebhook.isEmpty) {
            throw ValidationError("--alertmanager and --alert-webhook need --rules FILE: there is nothing to send without rules")
        }
    }

    /// Starts the rule manager over `engine` when `--rules` is given, and plugs it into
    /// `endpoint` (`/api/v1/rules`, `/api/v1/alerts`).
    /// - Throws: `RuleFileError` when the rules file does not load: serve does not start.
    func start(engine: QueryEngine, data: String, database: String, httpBase: String?, endpoint: RulesEndpoint) throws -> RuleManager? {
        guard let rules else { return nil }
        let logger = Logger(label: "chargeline.alerts")
        let receivers = alertmanager.map { AlertNotifier.Receiver(kind: .alertmanager, url: $0) }
            + alertWebhook.map { AlertNotifier.Receiver(kind: .webhook, url: $0) }
        var options = RuleManager.Options(rulesFile: rules, defaultDatabase: database, stateDirectory: data)
        if let base = externalURL ?? httpBase { options.externalURL = base }
        let manager = RuleManager(engine: engine, options: options,
                                  notifier: receivers.isEmpty ? nil : AlertNotifier(receivers: receivers, logger: logger), logger: logger)
        try manager.start()
        endpoint.attach(RuleManagerAPI(manager: manager))
        let groups = manager.ruleGroups
        logger.info("alert rules from \(rules): \(groups.count) groups, \(groups.reduce(0) { $0 + $1.rules.count }) rules; sending to \(receivers.count) receivers")
        return manager
    }
}

/// The rule manager behind `/api/v1/rules` and `/api/v1/alerts`.
struct RuleManagerAPI: RulesHandler {
    let manager: RuleManager

    func rulesAPI(path: String) -> String {
        path.hasSuffix("/alerts") ? manager.alertsJSON() : manager.rulesJSON()
    }
}
