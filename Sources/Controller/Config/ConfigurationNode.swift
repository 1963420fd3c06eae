/// Where a configuration value was written: the file (or the built-in default) and the line.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file name as the user gave it, or `DefaultConfiguration.sourceName`.
    public var file: String
    /// The 1-based line; 0 when the value has no single line (a whole file, a synthesized value).
    public var line: Int

    /// Creates a location.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// `file:line`, or just `file` when there is no line, as compilers print locations.
    public var description: String { line > 0 ? "\(file):\(line)" : file }
}

/// A scalar as YAML resolved it. Strings keep their text; the other kinds keep their value.
public enum ConfigurationScalar: Sendable, Hashable {
    /// An empty value, `~` or `null`.
    case null
    /// `true`/`false` and the YAML 1.1 spellings (`True`, `yes`, `off`, ...).
    case bool(Bool)
    /// A whole number.
    case int(Int)
    /// A number with a fraction or exponent.
    case float(Double)
    /// Anything else, and every quoted scalar.
    case string(String)

    /// The value as a user would write it, for messages and for string-typed keys that were
    /// given a plain number (`image_name: 2024` means the name "2024").
    public var text: String {
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .int(value): return String(value)
        case let .float(value): return String(value)
        case let .string(value): return value
        }
    }

    /// The numeric value of an int or float; nil for the other kinds.
    public var number: Double? {
        switch self {
        case let .int(value): return Double(value)
        case let .float(value): return value
        default: return nil
        }
    }

    /// What a message calls this kind of value ("the integer `5`").
    var kindDescription: String {
        switch self {
        case .null: return "an empty value"
        case let .bool(value): return "the boolean `\(value)`"
        case let .int(value): return "the integer `\(value)`"
        case .float: return "the number `\(text)`"
        case let .string(value): return "the string `\(value)`"
        }
    }
}

/// One node of a configuration tree: YAML's mapping, sequence or scalar, each with the place
/// it came from. Merging keeps each value's own origin, so an error in the merged tree points
/// at the file and line that supplied the bad value, not at the default it replaced.
///
/// Equality compares values only: two trees that say the same thing are equal wherever they
/// were written, which is what "the effective YAML round-trips" means.
public struct ConfigurationNode: Sendable {
    /// One `key: value` pair of a mapping, with the key's own location (errors about a key, and
    /// about a value that spans lines, point at the key's line).
    public struct Entry: Sendable {
        /// The key text.
        public var key: String
        /// Where the key was written.
        public var keyOrigin: SourceLocation
        /// The value.
        public var value: ConfigurationNode

        /// Creates an entry.
        public init(key: String, keyOrigin: SourceLocation, value: ConfigurationNode) {
            self.key = key
            self.keyOrigin = keyOrigin
            self.value = value
        }
    }

    /// The three YAML node kinds.
    public enum Content: Sendable {
        /// A scalar.
        case scalar(ConfigurationScalar)
        /// A mapping, in the order its keys were written.
        case mapping([Entry])
        /// A sequence.
        case sequence([ConfigurationNode])
    }

    /// The node's content.
    public var content: Content
    /// Where the node was written.
    public var origin: SourceLocation

    /// Creates a node.
    public init(_ content: Content, origin: SourceLocation) {
        self.content = content
        self.origin = origin
    }

    /// The scalar, if this node is one.
    public var scalar: ConfigurationScalar? {
        if case let .scalar(value) = content { return value }
        return nil
    }

    /// The entries, if this node is a mapping.
    public var entries: [Entry]? {
        if case let .mapping(entries) = content { return entries }
        return nil
    }

    /// The elements, if this node is a sequence.
    public var elements: [ConfigurationNode]? {
        if case let .sequence(elements) = content { return elements }
        return nil
    }

    /// The value under `key`, if this node is a mapping that has it.
    public subscript(key: String) -> ConfigurationNode? {
        entries?.first { $0.key == key }?.value
    }

    /// The value at a key path (`["client", "http_tool_configs", "threads"]`).
    public func node(at path: [String]) -> ConfigurationNode? {
        var current = self
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// What a message calls this node ("a mapping", "the integer `5`").
    var kindDescription: String {
        switch content {
        case let .scalar(value): return value.kindDescription
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

extension ConfigurationNode: Equatable {
    /// Compares what the trees say, ignoring where they were written.
    public static func == (lhs: ConfigurationNode, rhs: ConfigurationNode) -> Bool {
        switch (lhs.content, rhs.content) {
        case let (.scalar(left), .scalar(right)):
            return left == right
        case let (.sequence(left), .sequence(right)):
            return left == right
        case let (.mapping(left), .mapping(right)):
            return left.count == right.count
                && zip(left, right).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default:
            return false
        }
    }
}
