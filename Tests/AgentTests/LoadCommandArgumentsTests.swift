import Agent
import ArgumentParser
import Testing

/// wrk's command lines run unchanged: glued short options, SI suffixes on counts, `--latency`.
@Suite struct LoadCommandArgumentsTests {
    private func parse(_ arguments: [String]) throws -> LoadOptions {
        let split = LoadCommand.splittingGluedOptions(["load"] + arguments)
        return try LoadOptions.parse(Array(split.dropFirst()))
    }

    @Test func gluedShortOptionsAreSplit() {
        let split = LoadCommand.splittingGluedOptions(["load", "-t2", "-c40", "-d2s", "-R10k", "-HAccept: */*", "http://h/"])
        #expect(split == ["load", "-t", "2", "-c", "40", "-d", "2s", "-R", "10k", "-H", "Accept: */*", "http://h/"])
    }

    @Test func separateValuesAndEverythingAfterTheTerminatorAreLeftAlone() {
        #expect(LoadCommand.splittingGluedOptions(["load", "-H", "-c40", "-c", "4", "http://h/"])
            == ["load", "-H", "-c40", "-c", "4", "http://h/"])
        #expect(LoadCommand.splittingGluedOptions(["load", "--", "-c40"]) == ["load", "--", "-c40"])
        #expect(LoadCommand.splittingGluedOptions(["load", "--connections=4", "--json"]) == ["load", "--connections=4", "--json"])
        #expect(LoadCommand.splittingGluedOptions(["run", "-c40"]) == ["run", "-c40"])
    }

    @Test func wrkCommandLineParses() throws {
        let options = try parse(["-t2", "-c40", "-d2s", "--latency", "http://127.0.0.1:8080/"])
        #expect(options.threads == 2)
        #expect(options.connections == 40)
        #expect(options.duration == DurationValue(.seconds(2)))
        #expect(options.latency)
    }

    @Test func countsTakeSISuffixes() throws {
        #expect(try parse(["-c", "1k", "http://h/"]).connections == 1_000)
        #expect(try parse(["-c1.5k", "-t", "2", "http://h/"]).connections == 1_500)
        #expect(try parse(["--threads", "1k", "-c", "2k", "http://h/"]).threads == 1_000)
    }

    @Test func aFractionalCountSaysItIsNotWhole() {
        do {
            _ = try parse(["-c", "1.5", "http://h/"])
            Issue.record("-c 1.5 was accepted")
        } catch {
            #expect(LoadOptions.message(for: error).contains("\"1.5\" is not a whole number"), "\(LoadOptions.message(for: error))")
        }
    }
}
