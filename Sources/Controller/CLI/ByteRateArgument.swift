import ArgumentParser
import Foundation

/// A command-line rate in bytes a second: `500k`, `10M`, `1g`, or a bare number of bytes
/// (`1048576`); multipliers are binary (k = 1024), like curl's `--limit-rate`.
public struct ByteRateArgument: ExpressibleByArgument, Sendable, Equatable, CustomStringConvertible {
    /// Bytes a second.
    public let bytesPerSecond: UInt64
    /// The text given.
    public let description: String

    /// The accepted forms, for messages.
    public static let forms = "a rate in bytes a second like 500k, 10M or 1G (k = 1024)"

    /// Parses `argument`; nil when it is not a rate above 0.
    public init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces)
        let digits = text.prefix { $0.isNumber || $0 == "." }
        let multiplier: Double
        switch text.dropFirst(digits.count).lowercased() {
        case "", "b": multiplier = 1
        case "k", "kb", "kib": multiplier = 1_024
        case "m", "mb", "mib": multiplier = 1_048_576
        case "g", "gb", "gib": multiplier = 1_073_741_824
        default: return nil
        }
        guard let number = Double(digits), number.isFinite else { return nil }
        let value = (number * multiplier).rounded()
        guard value >= 1, value <= 1e15 else { return nil }
        bytesPerSecond = UInt64(value)
        description = argument
    }

    /// Parses an option's value, or throws a message that shows the accepted forms.
    @Sendable public static func parse(_ argument: String) throws -> ByteRateArgument {
        guard let parsed = ByteRateArgument(argument: argument) else { throw ValidationError("expected \(forms)") }
        return parsed
    }
}
