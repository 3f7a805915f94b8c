import ChargelineAlerts
import Testing

@Suite struct RuleFileTests {
    static let example = """
        groups:
          - name: guns
            database: chargeline
            interval: 15s
            rules:
              - alert: GunOverheating
                expr: SELECT max(temperature) FROM telemetry WHERE time > now() - 2m GROUP BY station, pile, gun HAVING max > 85
                for: 1m
                labels: {severity: critical}
                annotations:
                  summary: "gun {{ $labels.gun }} of pile {{ $labels.pile }} at {{ $value }} °C"
              - record: gun_temperature_max
                expr: SELECT max(temperature) FROM telemetry WHERE time > now() - 1m GROUP BY pile, gun
          - name: piles
            rules: []
        """

    @Test func readsTheIssueShape() throws {
        let groups = try RuleFile.parse(Self.example, file: "r.yaml", defaultDatabase: "lp")
        #expect(groups.count == 2)
        #expect(groups[0].intervalNanoseconds == 15_000_000_000)
        #expect(groups[1].database == "lp")
        #expect(groups[1].intervalNanoseconds == RuleFile.defaultIntervalNanoseconds)
        let r = groups[0].rules[0]
        #expect(r.kind == .alerting && r.name == "GunOverheating" && r.holdNanoseconds == 60_000_000_000)
        #expect(r.labels == ["severity": "critical"])
        #expect(r.line == 6)
        #expect(groups[0].rules[1].kind == .recording)
    }

    @Test(arguments: [
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        for: 1m\n", 4, "`expr:`"),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: SELECT 1\n        severity: x\n", 6, "unknown key `severity`"),
        ("groups:\n  - name: g\n    interval: soon\n", 3, "interval: soon"),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        record: B\n        expr: SELECT 1\n", 4, "exactly one of"),
        ("groups:\n  - name: g\n  - name: g\n", 3, "defined twice"),
        ("groups:\n  - name: g\n    rules: [\n", 4, "not valid YAML"),
    ])
    func refusesWithTheLine(_ text: String, _ line: Int, _ words: String) {
        #expect {
            _ = try RuleFile.parse(text, file: "r.yaml", defaultDatabase: "lp")
        } throws: { e in
            guard let e = e as? RuleFileError else { return false }
            return e.file == "r.yaml" && e.line == line && e.message.contains(words)
        }
    }

    @Test func templatesExpandLabelsAndValue() throws {
        let t = try AlertTemplate("gun {{ $labels.gun }} of {{.Labels.pile}} at {{ $value }} °C ({{ $labels.none }})")
        #expect(t.expand(labels: ["gun": "1", "pile": "P1"], value: 93.2) == "gun 1 of P1 at 93.2 °C ()")
        #expect(t.expand(labels: [:], value: 86) == "gun  of  at 86 °C ()")
        #expect(throws: AlertTemplate.Failure.self) { try AlertTemplate("{{ humanize $value }}") }
    }
}
