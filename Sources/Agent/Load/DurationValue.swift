import ArgumentParser

/// A length of time given on the command line: `500ms`, `30s`, `2m`, `1h`, `250us`, or a bare
/// number of seconds (`10`, `1.5`).
///
/// The sign is accepted here so that `validate()` can say "must be greater than zero (got "-5s")"
/// instead of a generic "invalid value": whether zero or a negative value makes sense depends on
/// the option.
public struct DurationValue: Sendable, Equatable, CustomStringConvertible {
    /// The value as a Swift duration.
    public let duration: Duration
    /// The text the user typed, kept so that messages quote it back exactly.
    public let text: String

    /// What a value looks like, for error messages and help.
    public static let expectedForm = "a number with a unit: 250us, 500ms, 30s, 2m or 1h (a bare number is seconds)"

    /// A value from code; its text is the canonical spelling (`2s`, `500ms`).
    public init(_ duration: Duration) {
        self.duration = duration
        self.text = DurationValue.spell(duration)
    }

    /// Parses `text`, throwing a `ValidationError` that quotes it and shows the accepted forms.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingWhitespace()
        let split = NumberWithSuffix(trimmed)
        guard let number = split?.number, number.isFinite else {
            throw ValidationError("\"\(text)\" is not a duration; give \(DurationValue.expectedForm)")
        }
        let microsecondsPerUnit: Double
        switch split?.suffix.lowercased() ?? "" {
        case "us", "µs": microsecondsPerUnit = 1
        case "ms": microsecondsPerUnit = 1_000
        case "", "s", "sec": microsecondsPerUnit = 1_000_000
        case "m", "min": microsecondsPerUnit = 60_000_000
        case "h": microsecondsPerUnit = 3_600_000_000
        default:
            throw ValidationError("\"\(text)\" has an unknown unit; give \(DurationValue.expectedForm)")
        }
        let micros = number * microsecondsPerUnit
        // Anything past a year is a typo, and Int64 microseconds must not overflow.
        guard abs(micros) <= 365 * 86_400 * 1_000_000 else {
            throw ValidationError("\"\(text)\" is longer than a year; give \(DurationValue.expectedForm)")
        }
        self.duration = .microseconds(Int64(micros.rounded()))
        self.text = text
    }

    /// Whole microseconds (the engine's unit).
    public var microseconds: Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// Seconds as a floating-point number.
    public var seconds: Double { Double(microseconds) / 1_000_000 }

    /// The text as typed.
    public var description: String { text }

    /// Two values are equal when they are the same length of time, however they were spelled.
    public static func == (lhs: DurationValue, rhs: DurationValue) -> Bool {
        lhs.duration == rhs.duration
    }

    private static func spell(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        if micros % 1_000_000 == 0 { return "\(micros / 1_000_000)s" }
        if micros % 1_000 == 0 { return "\(micros / 1_000)ms" }
        return "\(micros)us"
    }
}

extension DurationValue: ExpressibleByArgument {
    /// ArgumentParser's entry point; options use `init(parsing:)` through `transform:` so that a
    /// bad value gets a message that says what to type instead.
    public init?(argument: String) {
        try? self.init(parsing: argument)
    }

    /// Shown in `--help` as the default.
    public var defaultValueDescription: String { text }
}
