import ArgumentParser
import Foundation
import Testing
@testable import Controller

@Suite struct ConfigCommandTests {
    @Test("config show -c FILE prints the merged YAML with the default's comments, which loads back to the same configuration")
    func showMergesFiles() async throws {
        let path = try ConfigTestSupport.temporaryFile("server:\n  number_tenants: 3\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try #require(try ConfigCommand.parseAsRoot(["show", "-c", path]) as? ConfigShowCommand)
        #expect(command.configFiles == [path])
        try await command.run()
        let expected = try ConfigurationLoader().load(files: [path])
        let text = try command.output().get().text
        #expect(text == ConfigShowCommand.render(expected, files: [path]))
        #expect(text.hasPrefix("# Effective KloudBuster configuration: <built-in default> < \(path)\n"))
        #expect(text.contains("kloudbuster config show --default"))
        // The changed key says where it was set and what the default was, under its comment.
        #expect(text.contains("""
              # Tenants (projects) to create; each gets one user.
              # set in \(path):2 (default: 1)
              number_tenants: 3
            """))
        // Keys still at their default keep the default's comment.
        #expect(text.contains("  # Routers in each tenant.\n  routers_per_tenant: 1\n"))
        #expect(text.contains("# [openstack] Glance image for every test VM"))
        #expect(try ConfigTestSupport.load(text) == expected)
    }

    @Test("config show without -c, and config show --default, print the commented default exactly")
    func showDefault() throws {
        for arguments in [["show"], ["show", "--default"]] {
            let command = try #require(try ConfigCommand.parseAsRoot(arguments) as? ConfigShowCommand)
            let output = try command.output().get()
            #expect(output.text == DefaultConfiguration.yaml + "\n")
            #expect(output.notes.isEmpty)
        }
        #expect(DefaultConfiguration.yaml.contains("# [openstack] Glance image"))
        #expect(throws: (any Error).self) { try ConfigCommand.parseAsRoot(["show", "--default", "-c", "x.yaml"]) }
    }

    @Test("the commented default marks every key that only OpenStack uses, every compat key and every unsupported one")
    func defaultCommentsMarkRelevance() {
        let comments = ConfigurationComments.builtIn.byPath
        func check(_ shape: ConfigurationShape, path: [String], inherited: Bool) {
            guard let fields = shape.fields else { return }
            for field in fields where !field.optional {
                let keyPath = path + [field.name]
                let text = (comments[keyPath] ?? []).joined(separator: "\n")
                let marker: String? = switch field.relevance {
                case .everywhere: nil
                case .openstackOnly: "[openstack]"
                case .vmsOnly: "[vms]"
                case .notImplemented: "[compat]"
                case .unsupported: "[not supported yet]"
                }
                if let marker {
                    #expect(text.contains(marker), "\(keyPath.joined(separator: ".")) needs \(marker) in its comment")
                } else if !inherited {
                    #expect(!text.isEmpty, "\(keyPath.joined(separator: ".")) has no comment")
                    #expect(!text.contains("[openstack]") && !text.contains("[vms]") && !text.contains("[compat]"),
                            "\(keyPath.joined(separator: ".")) is marked but used everywhere")
                }
                // Keys of a marked section are explained by the section's comment.
                check(field.shape, path: keyPath, inherited: inherited || marker != nil)
            }
        }
        check(ConfigurationSchema.root, path: [], inherited: false)
    }

    @Test("config validate reports a topology the cloud cannot hold, as run would refuse it")
    func validateCapacity() throws {
        let path = try ConfigTestSupport.temporaryFile("server:\n  vms_per_network: 1000000000\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = ConfigValidateCommand.check(files: [path], cloud: .local)
        #expect(report.output.isEmpty)
        #expect(report.errors == [
            "\(path):2: server.vms_per_network: got 1000000000, but at most 253 VMs per network fit on loopback; use fewer (vms_per_network)",
        ])
        let openstack = try ConfigTestSupport.temporaryFile("server:\n  vms_per_network: 250\n")
        defer { try? FileManager.default.removeItem(atPath: openstack) }
        #expect(ConfigValidateCommand.check(files: [openstack], cloud: .local).errors.isEmpty)
        let refused = ConfigValidateCommand.check(files: [openstack], cloud: .openstack).errors
        #expect(refused.count == 1 && refused.first?.hasPrefix("\(openstack):2: server.vms_per_network: got 250, but ") == true, "\(refused)")
    }

    @Test("config validate of a directory says so in plain words")
    func validateDirectory() {
        let directory = FileManager.default.temporaryDirectory.path
        let report = ConfigValidateCommand.check(files: [directory], cloud: .local)
        #expect(report.errors == ["\(directory): cannot read the file: is a directory; give the path of a readable YAML file"])
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
            "\(bad):4: client.http_tool_configs.duration: expected a duration > 0: `500ms`, `30s`, `2m`, `1h` or a bare number of seconds (`30`, `1.5`), got the integer `-5`",
        ])
    }

    @Test("config validate without a file is a usage error")
    func validateNeedsFiles() {
        #expect(throws: (any Error).self) { try ConfigCommand.parseAsRoot(["validate"]) }
    }

    @Test("--cloud takes local, qemu or openstack only")
    func cloudOption() throws {
        let command = try #require(try ConfigCommand.parseAsRoot(["validate", "--cloud", "openstack", "x.yaml"])
            as? ConfigValidateCommand)
        #expect(command.cloud == .openstack)
        let qemu = try #require(try ConfigCommand.parseAsRoot(["validate", "--cloud", "qemu", "x.yaml"]) as? ConfigValidateCommand)
        #expect(qemu.cloud == .qemu)
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
