import ArgumentParser
import Foundation

/// A command-line duration: `500ms`, `10s`, `2m`, `1h`, or a bare number of seconds (`1.5`),
/// read by `DurationText` as configuration files read theirs.
///
/// Options take it with `transform: DurationArgument.parse`, so that a bad value's message
/// lists the accepted forms (a failing `init?(argument:)` only lets ArgumentParser say "is
/// invalid").
public struct DurationArgument: ExpressibleByArgument, Sendable, Equatable, CustomStringConvertible {
    /// The duration.
    public let duration: Duration
    /// The text given.
    public let description: String

    /// Parses `argument`; nil when it is not a duration > 0.
    public init?(argument: String) {
        guard let duration = DurationText.parse(argument), duration > .zero else { return nil }
        self.duration = duration
        description = argument
    }

    /// A duration given in code (defaults).
    public init(_ duration: Duration, _ text: String) {
        self.duration = duration
        description = text
    }

    /// Parses an option's value, or throws the message ArgumentParser appends to "The value
    /// 'abc' is invalid for '--duration <duration>'".
    @Sendable public static func parse(_ argument: String) throws -> DurationArgument {
        if let parsed = DurationArgument(argument: argument) { return parsed }
        if DurationText.parse(argument) == .zero {
            throw ValidationError("a duration must be more than 0; give one like \(DurationText.forms)")
        }
        throw ValidationError("expected a duration: \(DurationText.forms)")
    }

    /// What `--help` shows for the value.
    public static var defaultCompletionKind: CompletionKind { .default }
}
