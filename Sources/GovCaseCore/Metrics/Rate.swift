/// A ratio kept as its two counts, so rates can be summed across regions and periods before dividing.
public struct Rate: Sendable, Hashable, CustomStringConvertible {
    /// Cases meeting the condition.
    public var numerator: Int
    /// Cases the rate is taken over.
    public var denominator: Int

    public init(numerator: Int, denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The ratio, or `nil` when there is nothing to divide by.
    public var value: Double? { denominator == 0 ? nil : Double(numerator) / Double(denominator) }

    /// Counts `cases` in the denominator and those satisfying `condition` in the numerator.
    init<S: Sequence>(over cases: S, where condition: (S.Element) -> Bool) {
        var numerator = 0
        var denominator = 0
        for element in cases {
            denominator += 1
            if condition(element) { numerator += 1 }
        }
        self.init(numerator: numerator, denominator: denominator)
    }

    public var description: String {
        guard let value else { return "n/a (0/0)" }
        let percent = (value * 1000).rounded() / 10
        return "\(percent)% (\(numerator)/\(denominator))"
    }
}
