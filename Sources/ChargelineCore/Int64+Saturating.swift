extension Int64 {
    /// `self + other`, clamped to `Int64.min...Int64.max` instead of trapping or wrapping:
    /// time arithmetic on request values (`now() + 15250w`) saturates at the ends of time.
    @inlinable package func addingSaturating(_ other: Int64) -> Int64 {
        let (v, overflow) = addingReportingOverflow(other)
        guard overflow else { return v }
        return other > 0 ? .max : .min
    }

    /// `self - other`, clamped to `Int64.min...Int64.max`.
    @inlinable package func subtractingSaturating(_ other: Int64) -> Int64 {
        let (v, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return v }
        return other < 0 ? .max : .min
    }
}
