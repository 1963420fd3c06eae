import ArgumentParser

/// A size in bytes given on the command line: `512`, `1k`, `4m`, `1g` (also `1kb`, `1KiB`).
///
/// Multipliers are binary (k = 1024), as sizes of buffers and bodies usually are.
public struct ByteCount: Sendable, Equatable, CustomStringConvertible {
    /// The number of bytes.
    public let bytes: UInt64
    /// The text the user typed, kept so that messages quote it back exactly.
    public let text: String

    /// What a value looks like, for error messages and help.
    public static let expectedForm = "a size in bytes like 512, 1k (1024) or 4m"

    /// A value from code.
    public init(_ bytes: UInt64) {
        self.bytes = bytes
        self.text = String(bytes)
    }

    /// Parses `text`, throwing a `ValidationError` that quotes it and shows the accepted forms.
    public init(parsing text: String) throws {
        guard let split = NumberWithSuffix(text.trimmingWhitespace()), split.number.isFinite else {
            throw ValidationError("\"\(text)\" is not a size; give \(ByteCount.expectedForm)")
        }
        guard split.number >= 0 else {
            throw ValidationError("must be at least 0 (got \(text)); give \(ByteCount.expectedForm)")
        }
        let multiplier: Double
        switch split.suffix.lowercased() {
        case "", "b": multiplier = 1
        case "k", "kb", "kib": multiplier = 1_024
        case "m", "mb", "mib": multiplier = 1_048_576
        case "g", "gb", "gib": multiplier = 1_073_741_824
        default:
            throw ValidationError("\"\(text)\" has an unknown unit; give \(ByteCount.expectedForm)")
        }
        let value = (split.number * multiplier).rounded()
        // A body larger than a terabyte is a typo, and the conversion below must not trap.
        guard value <= 1_099_511_627_776 else {
            throw ValidationError("\"\(text)\" is larger than 1 TiB; give \(ByteCount.expectedForm)")
        }
        self.bytes = UInt64(value)
        self.text = text
    }

    /// The text as typed.
    public var description: String { text }

    /// Two values are equal when they are the same number of bytes, however they were spelled.
    public static func == (lhs: ByteCount, rhs: ByteCount) -> Bool {
        lhs.bytes == rhs.bytes
    }
}

extension ByteCount: ExpressibleByArgument {
    /// ArgumentParser's entry point; options use `init(parsing:)` through `transform:` so that a
    /// bad value gets a message that says what to type instead.
    public init?(argument: String) {
        try? self.init(parsing: argument)
    }

    /// Shown in `--help` as the default.
    public var defaultValueDescription: String { text }
}
