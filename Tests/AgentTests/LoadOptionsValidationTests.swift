import Agent
import ArgumentParser
import Testing

/// Every bad command line gives one line that names the option (or the URL) and what to do.
@Suite struct LoadOptionsValidationTests {
    /// Generous limits, so that only the option under test can fail.
    static let roomy = SystemLimits(openFiles: 1_000_000, ephemeralPorts: 28_232, cpus: 4)

    private func message(_ arguments: [String]) -> String? {
        do {
            _ = try LoadOptions.parse(arguments)
            return nil
        } catch {
            return LoadOptions.message(for: error)
        }
    }

    @Test(arguments: [
        (["example.com"], "URL"),
        (["ftp://example.com/"], "scheme \"ftp\""),
        (["http://example.com:0/"], "port 0"),
        (["http:///"], "no host"),
        (["http://h/", "-d", "0"], "--duration"),
        (["http://h/", "-d", "-5s"], "--duration"),
        (["http://h/", "-d", "soon"], "-d"),
        (["http://h/", "-R", "0"], "--rate"),
        (["http://h/", "-R", "-10"], "--rate"),
        (["http://h/", "-R", "lots"], "-R"),
        (["http://h/", "-c", "0"], "--connections"),
        (["http://h/", "-c", "-3"], "--connections"),
        (["http://h/", "-t", "0"], "--threads"),
        (["http://h/", "-t", "-1"], "--threads"),
        (["http://h/", "-c", "2", "-t", "4"], "--threads"),
        (["http://h/", "-c", "8", "-t", "4", "-R", "3"], "--rate"),
        (["http://h/", "-d", "5s", "--interval", "10s"], "--interval"),
        (["http://h/", "--interval", "0"], "--interval"),
        (["http://h/", "--timeout", "-1s"], "--timeout"),
        (["http://h/", "-H", "NoColon"], "--header"),
        (["http://h/", "-H", ": empty name"], "--header"),
        (["http://h/", "--method", "GE T"], "--method"),
        (["http://h/", "--body-size", "-1"], "--body-size"),
        (["http://h/", "--source", "localhost"], "--source"),
    ])
    func badInputNamesTheOption(arguments: [String], expected: String) throws {
        let text = try #require(message(arguments), "\(arguments) was accepted")
        #expect(text.contains(expected), "\(arguments): \(text)")
        #expect(!text.contains("\n"), "\(arguments): more than one line: \(text)")
    }

    /// ArgumentParser would take "-1" for an option and say "Missing value for '--body-size'";
    /// every option instead states its bound and quotes the value, glued or not.
    @Test(arguments: [
        (["--body-size", "-1"], "--body-size", "must be at least 0 (got -1)"),
        (["-c", "-1"], "--connections", "must be at least 1 (got -1)"),
        (["--connections=-1"], "--connections", "must be at least 1 (got -1)"),
        (["-t", "-1"], "--threads", "must be at least 1 (got -1)"),
        (["-R", "-1"], "--rate", "must be greater than zero (got \"-1\")"),
        (["-d", "-1"], "--duration", "must be greater than zero (got \"-1\")"),
        (["--timeout", "-1"], "--timeout", "must not be negative (got \"-1\")"),
        (["--interval", "-1"], "--interval", "must be greater than zero (got \"-1\")"),
    ])
    func negativeNumbersStateTheBound(arguments: [String], option: String, bound: String) throws {
        let text = try #require(message(["http://h/"] + arguments), "\(arguments) was accepted")
        #expect(text.contains(option), "\(arguments): \(text)")
        #expect(text.contains(bound), "\(arguments): \(text)")
        #expect(!text.contains("Missing value"), "\(arguments): \(text)")
    }

    @Test func aBodyOverTheEngineLimitNamesBodySizeNotTheURL() throws {
        let text = try #require(message(["http://h/", "--body-size", "10g"]))
        #expect(text.hasPrefix("--body-size: "), "\(text)")
        #expect(text.contains("256 MiB"), "\(text)")
        #expect(!text.contains("URL"), "\(text)")
        #expect(message(["http://h/", "--body-size", "256m"]) == nil)
    }

    @Test(arguments: ["X-A: 1\r\nX-B: 2", "X-A: 1\nGET / HTTP/1.1", "X-A: 1\r"])
    func aHeaderWithALineBreakIsRefusedAsInjection(header: String) throws {
        let text = try #require(message(["http://h/", "-H", header]), "\(header.debugDescription) was accepted")
        #expect(text.hasPrefix("-H/--header: "), "\(text)")
        #expect(text.contains("inject"), "\(text)")
        #expect(!text.contains("\n") && !text.contains("\r"), "\(text.debugDescription)")
    }

    @Test func zeroRateSaysWhatToType() throws {
        let text = try #require(message(["http://h/", "-R", "0"]))
        #expect(text == "--rate: must be greater than zero (got \"0\"); give requests per second like 500, 10k or 1.5M, or leave it out for no limit")
    }

    @Test func tooManyConnectionsForTheFileLimitSuggestsUlimit() throws {
        var options = try LoadOptions.parse(["http://127.0.0.1/"])
        options.connections = 5_000
        let limits = SystemLimits(openFiles: 1_024, ephemeralPorts: 28_232, cpus: 2)
        #expect {
            try options.plan(limits: limits)
        } throws: { error in
            let text = LoadOptions.message(for: error)
            return text.hasPrefix("--connections:") && text.contains("1024") && text.contains("ulimit -n 5064")
        }
    }

    @Test func tooManyConnectionsPerSourceAddressSuggestsSource() throws {
        var options = try LoadOptions.parse(["http://127.0.0.1/"])
        options.connections = 40_000
        #expect {
            try options.plan(limits: Self.roomy)
        } throws: { error in
            let text = LoadOptions.message(for: error)
            return text.hasPrefix("--connections:") && text.contains("28232") && text.contains("--source")
        }
        // Two addresses halve the ports each needs.
        options.source = try SourceAddresses(parsing: "127.0.0.2-127.0.0.3")
        #expect(try options.plan(limits: Self.roomy).sources.count == 2)
    }

    @Test func goodOptionsMakeThePlan() throws {
        let options = try LoadOptions.parse([
            "https://[::1]:8443/x?y=1", "-c", "100", "-t", "2", "-R", "10k", "-d", "2m", "--timeout", "500ms",
            "-H", "Accept: text/html", "-H", "Host: example.com", "--method", "POST", "--body-size", "1k",
            "--close", "--insecure", "--source", "127.0.0.2-127.0.0.3",
        ])
        let plan = try options.plan(limits: Self.roomy)
        #expect(plan.host == "::1")
        #expect(plan.port == 8443)
        #expect(plan.path == "/x?y=1")
        #expect(plan.hostHeader == "example.com")
        #expect(plan.headers == ["Accept: text/html"])
        #expect(plan.method == "POST")
        #expect(plan.bodySize == 1024)
        #expect(plan.tls && !plan.verifyCertificates && plan.closeEachRequest)
        #expect(plan.connections == 100 && plan.threads == 2)
        #expect(plan.rate == 10_000)
        #expect(plan.timeout == .milliseconds(500))
        #expect(plan.sources == ["127.0.0.2", "127.0.0.3"])
        #expect(options.duration.duration == .seconds(120))
    }

    @Test func threadsDefaultToCPUsButNotMoreThanConnections() throws {
        let few = try LoadOptions.parse(["http://h/", "-c", "3"])
        #expect(try few.plan(limits: Self.roomy).threads == 3)
        let many = try LoadOptions.parse(["http://h/", "-c", "300"])
        #expect(try many.plan(limits: Self.roomy).threads == 4)
    }
}
