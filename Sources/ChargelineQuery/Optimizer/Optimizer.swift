/// Rewrites a plan before it runs, one rule per file. Rules only ever make a plan cheaper;
/// none changes its answer.
enum Optimizer {
    static let rules: [any OptimizerRule] = [StatAggregateRule(), RollupReadRule()]

    static func optimize(_ plan: SelectPlan) -> SelectPlan {
        rules.reduce(plan) { $1.apply($0) }
    }
}

/// One rewrite.
protocol OptimizerRule: Sendable {
    func apply(_ plan: SelectPlan) -> SelectPlan
}
