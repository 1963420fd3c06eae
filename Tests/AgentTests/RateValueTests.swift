import Agent
import Testing

@Suite struct RateValueTests {
    @Test(arguments: [
        ("2500", 2500.0), ("10k", 10_000), ("10K", 10_000), ("1.5M", 1_500_000), ("1.5m", 1_500_000),
        ("500/s", 500), ("0.5", 0.5), ("0", 0), ("-3", -3), ("2G", 2_000_000_000),
    ])
    func parsesDecimalMultipliers(text: String, expected: Double) throws {
        #expect(try RateValue(parsing: text).requestsPerSecond == expected)
    }

    @Test(arguments: ["", "k", "fast", "10x", "10kk", "1,000"])
    func rejectsGarbageWithTheAcceptedForms(text: String) {
        #expect {
            try RateValue(parsing: text)
        } throws: { error in
            "\(error)".contains("10k") && "\(error)".contains("\"\(text)\"")
        }
    }

    @Test func keepsTheTextForMessages() throws {
        #expect(try RateValue(parsing: "1.5M").description == "1.5M")
        #expect(RateValue(argument: "10k") == RateValue(10_000))
    }
}
