import Agent
import Testing

@Suite struct DurationValueTests {
    @Test(arguments: [
        ("250us", Duration.microseconds(250)), ("500ms", .milliseconds(500)), ("30s", .seconds(30)),
        ("2m", .seconds(120)), ("1h", .seconds(3600)), ("10", .seconds(10)), ("1.5s", .milliseconds(1500)),
        ("0.25", .milliseconds(250)), (" 5s ", .seconds(5)), ("-5s", .seconds(-5)), ("0", .zero),
    ])
    func parsesUnits(text: String, expected: Duration) throws {
        #expect(try DurationValue(parsing: text).duration == expected)
    }

    @Test func keepsTheTextForMessages() throws {
        #expect(try DurationValue(parsing: "-5s").description == "-5s")
        #expect(DurationValue(.milliseconds(500)).description == "500ms")
        #expect(DurationValue(.seconds(2)).microseconds == 2_000_000)
    }

    @Test(arguments: ["", "s", "abc", "5x", "1e3s", "1..5s", "5 s s", "--5s", "inf", "nan"])
    func rejectsGarbageWithTheAcceptedForms(text: String) {
        #expect {
            try DurationValue(parsing: text)
        } throws: { error in
            "\(error)".contains("30s") && "\(error)".contains("\"\(text)\"")
        }
    }

    @Test func rejectsMoreThanAYear() {
        #expect(throws: (any Error).self) { try DurationValue(parsing: "9000000h") }
    }

    @Test func argumentParserEntryPointAgrees() {
        #expect(DurationValue(argument: "2m")?.duration == .seconds(120))
        #expect(DurationValue(argument: "2 minutes") == nil)
    }
}
