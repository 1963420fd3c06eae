/// Which clouds a key means something on. `config validate` turns keys that were changed from
/// the default but mean nothing on the chosen cloud into notes, not errors: a KloudBuster
/// file written for OpenStack must still load for a local run. Only keys of features this
/// build lacks and that would change a result (`unsupported`) are errors when changed.
enum ConfigurationRelevance: Sendable, Equatable {
    /// Used on every cloud.
    case everywhere
    /// Used on OpenStack only; the reason says what it controls there.
    case openstackOnly(String)
    /// Used where VMs are real (qemu and OpenStack); the reason says what it controls.
    case vmsOnly(String)
    /// Accepted so KloudBuster files load, but this implementation does not act on it, and
    /// any value leaves the HTTP test and its result as they are; a changed value is a note.
    case notImplemented(String)
    /// A feature this build does not have yet, whose key would change what a run does or
    /// reports: any value but the default's is an error ("not supported by this build yet").
    case unsupported(String)
}

/// The kinds of scalar a key takes.
enum ConfigurationScalarKind: Sendable, Equatable {
    /// A whole number.
    case integer
    /// Any number.
    case number
    /// `true` or `false`.
    case boolean
    /// Any text; a plain number or boolean is taken as its text.
    case string
    /// One of fixed words, compared case-insensitively.
    case choice([String])
    /// A latency percentile KloudBuster reports, or 0 for "no check".
    case percentile
    /// A duration: a number of seconds or text `DurationText` reads (`500ms`, `30s`, `2m`).
    case duration
}

/// What a scalar key accepts.
struct ConfigurationScalarRule: Sendable {
    /// The accepted kind.
    var kind: ConfigurationScalarKind
    /// Whether an empty value (`key:`) is accepted; it means "not set".
    var nullable = false
    /// The smallest accepted number.
    var minimum: Double?
    /// Whether `minimum` itself is refused (durations must be positive, not zero).
    var minimumExclusive = false
    /// The largest accepted number (for a duration, in seconds).
    var maximum: Double?
    /// The unit numbers are in, for messages ("seconds").
    var unit: String?

    /// The percentiles KloudBuster's results list, the only ones a stop limit can name.
    static let percentiles: [Double] = [50, 75, 90, 99, 99.9, 99.99, 99.999]

    /// What the rule wants, as a message says it: "an integer ≥ 1", "a number of seconds > 0".
    var expectation: String {
        switch kind {
        case .boolean: return "true or false"
        case .string: return nullable ? "a string (or nothing)" : "a string"
        case let .choice(words): return "one of " + words.map { "`\($0)`" }.joined(separator: ", ")
        case .percentile:
            return "0 (no latency check) or a percentile KloudBuster reports: "
                + Self.percentiles.map { ConfigurationScalar.float($0).numberText }.joined(separator: ", ")
        case .duration:
            let upTo = maximum.map { " and ≤ \(ConfigurationScalar.float($0).numberText) s" } ?? ""
            return "a duration \(minimumExclusive ? "> 0" : "≥ 0")\(upTo): \(DurationText.forms)"
        case .integer, .number:
            var text = kind == .integer ? "an integer" : "a number"
            if unit == "seconds" { text += " of seconds" }
            let low = minimum.map { ConfigurationScalar.float($0).numberText }
            let high = maximum.map { ConfigurationScalar.float($0).numberText }
            switch (low, high) {
            case let (low?, high?): text += " from \(low) to \(high)"
            case let (low?, nil): text += minimumExclusive ? " > \(low)" : " ≥ \(low)"
            case let (nil, high?): text += " ≤ \(high)"
            case (nil, nil): break
            }
            if let unit, unit != "seconds" { text += " (\(unit))" }
            return text
        }
    }
}

extension ConfigurationScalar {
    /// A number without a useless `.0` (`1`, `99.9`), for messages and limits.
    var numberText: String {
        guard let number else { return text }
        return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

/// The shape a configuration value must have. The tree of shapes mirrors the default
/// configuration; the tests check that the default validates against it, so the two agree.
indirect enum ConfigurationShape: Sendable {
    /// A mapping with exactly these keys (some optional).
    case mapping([ConfigurationField])
    /// A mapping with free keys whose values all have one shape (flavor `extra_specs`).
    case dictionary(of: ConfigurationShape)
    /// A list of any length whose elements have one shape.
    case list(of: ConfigurationShape)
    /// A list of fixed length whose elements have these shapes; `meaning` names the items.
    case tuple([ConfigurationShape], meaning: String)
    /// A scalar.
    case scalar(ConfigurationScalarRule)

    /// The fields, if this is a mapping shape.
    var fields: [ConfigurationField]? {
        if case let .mapping(fields) = self { return fields }
        return nil
    }
}

/// One key of a mapping shape.
struct ConfigurationField: Sendable {
    /// The key as written in YAML.
    var name: String
    /// What its value must look like.
    var shape: ConfigurationShape
    /// Which clouds use it; children inherit it.
    var relevance: ConfigurationRelevance = .everywhere
    /// Whether the key may be absent (keys of the default are always present after merging;
    /// optional keys are the ones the default leaves out, such as `volume_type`).
    var optional = false
}
