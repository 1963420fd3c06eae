import ArgumentParser
import Foundation

/// A command-line duration: `500ms`, `10s`, `2m`, `1h`, or a bare number of seconds (`1.5`).
public struct DurationArgument: ExpressibleByArgument, Sendable, Equatable, CustomStringConvertible {
    /// The duration.
    public let duration: Duration
    /// The text given.
    public let description: String

    /// Parses `argument`; nil (a usage error naming the option) when it is not a duration > 0.
    public init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("", 1)]
        guard let (suffix, scale) = units.first(where: { text.hasSuffix($0.0) && Double(text.dropLast($0.0.count)) != nil }),
            let value = Double(text.dropLast(suffix.count)), value > 0, value.isFinite
        else { return nil }
        duration = .milliseconds(Int64((value * scale * 1000).rounded()))
        guard duration > .zero else { return nil }
        description = argument
    }

    /// A duration given in code (defaults).
    public init(_ duration: Duration, _ text: String) {
        self.duration = duration
        description = text
    }

    /// What `--help` shows for the value.
    public static var defaultCompletionKind: CompletionKind { .default }
}
