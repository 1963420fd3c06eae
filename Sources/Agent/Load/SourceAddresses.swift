import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// Local addresses the load connects from, given as an IPv4 range (`127.0.0.2-127.0.0.9`) or a
/// comma list of IPv4 and IPv6 addresses (`127.0.0.2,127.0.0.3,::1`).
///
/// One source address gives at most one ephemeral port range of connections to one target; more
/// addresses multiply that, which is how one agent reaches tens of thousands of connections.
public struct SourceAddresses: Sendable, Equatable, CustomStringConvertible {
    /// The addresses in numeric form, in the order connections use them.
    public let addresses: [String]
    /// The text the user typed, kept so that messages quote it back exactly.
    public let text: String

    /// The most addresses one range may expand to; more is a typo such as a wrong first octet.
    public static let rangeLimit = 65_536

    /// What a value looks like, for error messages and help.
    public static let expectedForm = "a range like 127.0.0.2-127.0.0.9 or a list like 127.0.0.2,127.0.0.3,::1"

    /// A value from code; every address must be numeric IPv4 or IPv6.
    public init(_ addresses: [String]) throws {
        try self.init(parsing: addresses.joined(separator: ","))
    }

    /// Parses `text`, throwing a `ValidationError` that quotes the offending part.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else {
            throw ValidationError("no address given; give \(SourceAddresses.expectedForm)")
        }
        var result: [String] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let item = String(part).trimmingWhitespace()
            if let dash = item.firstIndex(of: "-") {
                let first = String(item[..<dash]), last = String(item[item.index(after: dash)...])
                result += try SourceAddresses.expand(first: first, last: last, in: item)
            } else if SourceAddresses.isNumericAddress(item) {
                result.append(item)
            } else {
                throw ValidationError("\"\(item)\" is not a numeric IPv4 or IPv6 address; give \(SourceAddresses.expectedForm)")
            }
        }
        self.addresses = result
        self.text = text
    }

    /// The number of addresses.
    public var count: Int { addresses.count }

    /// The text as typed.
    public var description: String { text }

    /// True when `text` is a numeric IPv4 or IPv6 address (what bind() accepts without a lookup).
    public static func isNumericAddress(_ text: String) -> Bool {
        parseIPv4(text) != nil || isIPv6(text)
    }

    /// The IPv4 address `text` as a host-order integer, nil unless it is a dotted quad.
    static func parseIPv4(_ text: String) -> UInt32? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return UInt32(bigEndian: address.s_addr)
    }

    /// True when `text` is a numeric IPv6 address (without brackets).
    static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }

    private static func expand(first: String, last: String, in item: String) throws -> [String] {
        // Only IPv4 ranges: an IPv6 range would be 2^64 addresses wide and nobody means that.
        guard let low = parseIPv4(first), let high = parseIPv4(last) else {
            throw ValidationError("\"\(item)\" is not a range of two IPv4 addresses; give \(expectedForm)")
        }
        guard low <= high else {
            throw ValidationError("\"\(item)\" ends before it starts; put the lower address first")
        }
        guard Int(high - low) < rangeLimit else {
            throw ValidationError("\"\(item)\" spans more than \(rangeLimit) addresses; give a narrower range")
        }
        return (low...high).map { value in
            "\(value >> 24).\((value >> 16) & 0xff).\((value >> 8) & 0xff).\(value & 0xff)"
        }
    }

    /// Two values are equal when they list the same addresses in the same order.
    public static func == (lhs: SourceAddresses, rhs: SourceAddresses) -> Bool {
        lhs.addresses == rhs.addresses
    }
}

extension SourceAddresses: ExpressibleByArgument {
    /// ArgumentParser's entry point; options use `init(parsing:)` through `transform:` so that a
    /// bad value gets a message that says what to type instead.
    public init?(argument: String) {
        try? self.init(parsing: argument)
    }
}
