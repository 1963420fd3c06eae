import ArgumentParser

/// A request rate given on the command line, in requests per second: `2500`, `10k`, `1.5M`,
/// optionally followed by `/s`.
///
/// Multipliers are decimal (k = 1,000, M = 1,000,000): a rate is a count, not a size. Zero and
/// negative values parse so that `validate()` can explain why they are refused.
public struct RateValue: Sendable, Equatable, CustomStringConvertible {
    /// Requests per second.
    public let requestsPerSecond: Double
    /// The text the user typed, kept so that messages quote it back exactly.
    public let text: String

    /// What a value looks like, for error messages and help.
    public static let expectedForm = "requests per second like 500, 10k or 1.5M"

    /// A value from code.
    public init(_ requestsPerSecond: Double) {
        self.requestsPerSecond = requestsPerSecond
        self.text = requestsPerSecond == requestsPerSecond.rounded()
            ? String(Int64(requestsPerSecond)) : String(requestsPerSecond)
    }

    /// Parses `text`, throwing a `ValidationError` that quotes it and shows the accepted forms.
    public init(parsing text: String) throws {
        var body = Substring(text.trimmingWhitespace())
        if body.hasSuffix("/s") { body = body.dropLast(2) }
        guard let split = NumberWithSuffix(body), split.number.isFinite else {
            throw ValidationError("\"\(text)\" is not a rate; give \(RateValue.expectedForm)")
        }
        let multiplier: Double
        switch split.suffix {
        case "": multiplier = 1
        case "k", "K": multiplier = 1_000
        case "m", "M": multiplier = 1_000_000
        case "g", "G": multiplier = 1_000_000_000
        default:
            throw ValidationError("\"\(text)\" has an unknown suffix; give \(RateValue.expectedForm)")
        }
        self.requestsPerSecond = split.number * multiplier
        self.text = text
    }

    /// The text as typed.
    public var description: String { text }

    /// Two values are equal when they are the same rate, however they were spelled.
    public static func == (lhs: RateValue, rhs: RateValue) -> Bool {
        lhs.requestsPerSecond == rhs.requestsPerSecond
    }
}

extension RateValue: ExpressibleByArgument {
    /// ArgumentParser's entry point; options use `init(parsing:)` through `transform:` so that a
    /// bad value gets a message that says what to type instead.
    public init?(argument: String) {
        try? self.init(parsing: argument)
    }
}
