import ArgumentParser

/// A count given on the command line, such as connections or threads: `40`, `1k` (1,000),
/// `1.5k` (1,500), `2M`, as wrk accepts k, M and G on every number.
///
/// Multipliers are decimal (a count, not a size) and case-insensitive, as in wrk. The product
/// is computed in decimal, so `1.1k` is exactly 1,100; one that is not a whole number (`1.5`,
/// `0.0001k`) is refused. Zero and negative values parse so that `validate()` can state the
/// option's bound ("must be at least 1 (got -1)").
public struct CountValue: Sendable, Equatable, CustomStringConvertible {
    /// The count.
    public let value: Int
    /// The text the user typed, kept so that messages quote it back exactly.
    public let text: String

    /// What a value looks like, for error messages and help.
    public static let expectedForm = "a whole number like 40, 1k (1,000) or 1.5k (1,500)"

    /// Parses `text`, throwing a `ValidationError` that quotes it and shows the accepted forms.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingWhitespace()
        guard let split = NumberWithSuffix(trimmed) else {
            throw ValidationError("\"\(text)\" is not a number; give \(CountValue.expectedForm)")
        }
        let exponent: Int
        switch split.suffix.lowercased() {
        case "": exponent = 0
        case "k": exponent = 3
        case "m": exponent = 6
        case "g": exponent = 9
        default:
            throw ValidationError("\"\(text)\" has an unknown suffix; give \(CountValue.expectedForm)")
        }
        self.value = try CountValue.scale(trimmed.dropLast(split.suffix.count), byPowerOfTen: exponent, text: text)
        self.text = text
    }

    /// The text as typed.
    public var description: String { text }

    /// `numeral` (an optionally signed decimal such as "-1.25") times 10^`exponent`, exactly;
    /// throws unless that is a whole number below a trillion.
    private static func scale(_ numeral: Substring, byPowerOfTen exponent: Int, text: String) throws -> Int {
        var digits = numeral
        let negative = digits.first == "-"
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count > 1 ? parts[1] : ""
        // Fraction digits beyond the exponent must be zeros, or the count is not whole.
        guard fraction.dropFirst(min(exponent, fraction.count)).allSatisfy({ $0 == "0" }) else {
            throw ValidationError("\"\(text)\" is not a whole number; give \(CountValue.expectedForm)")
        }
        let kept = fraction.prefix(exponent)
        let scaled = whole + kept + String(repeating: "0", count: exponent - kept.count)
        // Twelve digits are a typo already, and Int must not overflow below.
        let significant = scaled.drop { $0 == "0" }
        guard significant.count <= 12 else {
            throw ValidationError("\"\(text)\" is a trillion or more; give \(CountValue.expectedForm)")
        }
        let magnitude = significant.isEmpty ? 0 : Int(significant) ?? 0
        return negative ? -magnitude : magnitude
    }
}

extension CountValue: ExpressibleByArgument {
    /// ArgumentParser's entry point; options use `init(parsing:)` through `transform:` so that a
    /// bad value gets a message that says what to type instead.
    public init?(argument: String) {
        try? self.init(parsing: argument)
    }
}
