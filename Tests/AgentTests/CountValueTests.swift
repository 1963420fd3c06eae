import Agent
import Testing

/// Counts take wrk's k, M and G, exactly, and refuse what is not a whole number.
@Suite struct CountValueTests {
    @Test(arguments: [
        ("2", 2), ("40", 40), ("1k", 1_000), ("1K", 1_000), ("1.5k", 1_500), ("1.1k", 1_100),
        ("0.001k", 1), ("2M", 2_000_000), ("1g", 1_000_000_000), ("1.0", 1), ("-1", -1), ("0", 0),
    ])
    func parses(text: String, value: Int) throws {
        #expect(try CountValue(parsing: text).value == value)
    }

    @Test(arguments: [
        ("1.5", "not a whole number"), ("0.0001k", "not a whole number"), ("1.0005k", "not a whole number"),
        ("lots", "not a number"), ("10x", "unknown suffix"), ("5000G", "a trillion or more"),
    ])
    func refuses(text: String, problem: String) {
        do {
            _ = try CountValue(parsing: text)
            Issue.record("\"\(text)\" was accepted")
        } catch {
            #expect("\(error)".contains(problem), "\(text): \(error)")
            #expect("\(error)".contains("\"\(text)\""), "\(text): \(error)")
        }
    }
}
