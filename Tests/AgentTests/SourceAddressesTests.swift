import Agent
import Testing

@Suite struct SourceAddressesTests {
    @Test func expandsAnIPv4Range() throws {
        let sources = try SourceAddresses(parsing: "127.0.0.2-127.0.0.9")
        #expect(sources.count == 8)
        #expect(sources.addresses.first == "127.0.0.2")
        #expect(sources.addresses.last == "127.0.0.9")
    }

    @Test func rangesCrossOctets() throws {
        let sources = try SourceAddresses(parsing: "10.0.0.254-10.0.1.1")
        #expect(sources.addresses == ["10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"])
    }

    @Test func acceptsAMixedListAndRanges() throws {
        let sources = try SourceAddresses(parsing: "127.0.0.2, ::1,127.0.0.5-127.0.0.6")
        #expect(sources.addresses == ["127.0.0.2", "::1", "127.0.0.5", "127.0.0.6"])
    }

    @Test func aSingleAddress() throws {
        #expect(try SourceAddresses(parsing: "fd00::5").addresses == ["fd00::5"])
    }

    @Test(arguments: [
        ("", "no address"),
        ("localhost", "not a numeric"),
        ("127.0.0.300", "not a numeric"),
        ("127.0.0.2,", "not a numeric"),
        ("127.0.0.9-127.0.0.2", "lower address first"),
        ("::1-::5", "two IPv4"),
        ("1.0.0.0-2.0.0.0", "narrower range"),
    ])
    func rejectsWithAReason(text: String, reason: String) {
        #expect {
            try SourceAddresses(parsing: text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
