import Foundation

/// A JSON document as the OpenStack APIs send and take it: request bodies are written as
/// literals, replies are read with `require` (which names the missing path) or the optional
/// accessors. The APIs' replies are large and vary by release and extension, so reading only
/// the fields the driver uses is sturdier than decoding whole Codable models.
public enum JSONValue: Sendable, Equatable, Codable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number (JSON has one kind; integers up to 2^53 are exact).
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; key order is not kept.
    case object([String: JSONValue])

    /// Decodes `data`; nil when it is not JSON.
    public init?(data: Data) {
        guard !data.isEmpty, let value = try? JSONDecoder().decode(JSONValue.self, from: data) else { return nil }
        self = value
    }

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 9e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The compact JSON text, keys sorted (stable request bodies, readable logs).
    public func data() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail: every case maps to a JSON value.
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }

    /// The member `key` of an object; nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The text, when this is a string.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, when this is a whole number.
    public var int: Int? {
        if case .number(let value) = self, value.rounded() == value, abs(value) < 9e15 { return Int(value) }
        return nil
    }

    /// The flag, when this is a boolean.
    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, when this is an array.
    public var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, when this is an object.
    public var object: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The value at `path`, or a `JSONPathError` naming the first missing step.
    public func require(_ path: String...) throws -> JSONValue {
        var value = self
        for (depth, key) in path.enumerated() {
            guard let next = value[key] else {
                throw JSONPathError(path: path.prefix(depth + 1).joined(separator: "."))
            }
            value = next
        }
        return value
    }

    /// The string at `path`, or a `JSONPathError`.
    public func requireString(_ path: String...) throws -> String {
        var value = self
        for key in path { value = value[key] ?? .null }
        guard let text = value.string else { throw JSONPathError(path: path.joined(separator: ".")) }
        return text
    }
}

/// A reply lacked a field the driver needs: the API is older or different than expected.
public struct JSONPathError: Error, CustomStringConvertible {
    /// The dotted path that was missing or of the wrong type.
    public let path: String
    /// What went wrong.
    public var description: String { "the reply has no \(path)" }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    /// `"text"`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `42`.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// `true`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `[a, b]`.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// `["key": value]`.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    /// `nil`.
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
    /// A string value.
    public static func of(_ text: String) -> JSONValue { .string(text) }
    /// A number value.
    public static func of(_ number: Int) -> JSONValue { .number(Double(number)) }
    /// A string value, or null.
    public static func of(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
}
