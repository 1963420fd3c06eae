import ArgumentParser
import Foundation
import Testing
@testable import Controller

@Suite struct ConfigCommandTests {
    @Test("config show -c FILE prints the merged YAML, which loads back to the same configuration")
    func showMergesFiles() async throws {
        let path = try ConfigTestSupport.temporaryFile("server:\n  number_tenants: 3\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try #require(try ConfigCommand.parseAsRoot(["show", "-c", path]) as? ConfigShowCommand)
        #expect(command.configFiles == [path])
        try await command.run()
        let expected = try ConfigurationLoader().load(files: [path])
        let text = ConfigShowCommand.render(expected, files: [path])
        #expect(text.hasPrefix("# Effective KloudBuster configuration: <built-in default> < \(path)\n"))
        #expect(text.contains("number_tenants: 3"))
        #expect(try ConfigTestSupport.load(text) == expected)
    }

    @Test("config show with an invalid file exits with status 2")
    func showInvalidExits2() async throws {
        let path = try ConfigTestSupport.temporaryFile("server: {number_tenants: 0}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var command = try ConfigCommand.parseAsRoot(["show", "--config", path])
        await #expect(throws: ExitCode(2)) { try await Self.run(&command) }
    }

    @Test("config validate prints `FILE: valid` and the notes for a valid file")
    func validateValid() async throws {
        let path = try ConfigTestSupport.temporaryFile("server:\n  use_floatingip: true\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var command = try ConfigCommand.parseAsRoot(["validate", path])
        try await Self.run(&command)
        let report = ConfigValidateCommand.check(files: [path], cloud: .local)
        #expect(report.errors.isEmpty)
        #expect(report.output.first == "\(path): valid")
        #expect(report.output.count == 2)
        #expect(report.output.last?.hasPrefix("note: \(path):2: server.use_floatingip") == true)
        #expect(ConfigValidateCommand.check(files: [path], cloud: .openstack).output == ["\(path): valid"])
    }

    @Test("config validate prints every error as file:line: key.path: message and exits with status 2")
    func validateInvalid() async throws {
        let good = try ConfigTestSupport.temporaryFile("client: {http_tool_configs: {rate_limit: 10}}\n")
        let bad = try ConfigTestSupport.temporaryFile("""
            client:
              http_tool_configs:
                conections: 10
                duration: -5
            """)
        defer {
            try? FileManager.default.removeItem(atPath: good)
            try? FileManager.default.removeItem(atPath: bad)
        }
        var command = try ConfigCommand.parseAsRoot(["validate", good, bad])
        await #expect(throws: ExitCode(2)) { try await Self.run(&command) }
        let report = ConfigValidateCommand.check(files: [good, bad], cloud: .local)
        #expect(report.output == ["\(good): valid"])
        #expect(report.errors == [
            "\(bad):3: client.http_tool_configs.conections: unknown key (did you mean `connections`?)",
            "\(bad):4: client.http_tool_configs.duration: expected a number of seconds > 0, got the integer `-5`",
        ])
    }

    @Test("config validate without a file is a usage error")
    func validateNeedsFiles() {
        #expect(throws: (any Error).self) { try ConfigCommand.parseAsRoot(["validate"]) }
    }

    @Test("--cloud takes local or openstack only")
    func cloudOption() throws {
        let command = try #require(try ConfigCommand.parseAsRoot(["validate", "--cloud", "openstack", "x.yaml"])
            as? ConfigValidateCommand)
        #expect(command.cloud == .openstack)
        #expect(throws: (any Error).self) { try ConfigCommand.parseAsRoot(["validate", "--cloud", "aws", "x.yaml"]) }
    }

    private static func run(_ command: inout any ParsableCommand) async throws {
        guard var asyncCommand = command as? any AsyncParsableCommand else {
            Issue.record("\(type(of: command)) is not an AsyncParsableCommand")
            return
        }
        try await asyncCommand.run()
    }
}
