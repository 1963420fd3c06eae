import Foundation
import Testing
@testable import Controller

@Suite struct ConfigurationLoaderTests {
    @Test("the built-in default parses and validates, and describes a small local run")
    func defaultIsValid() throws {
        let configuration = try ConfigurationLoader().load(sources: [])
        #expect(configuration.server.vmCount == 2)
        #expect(configuration.client.httpTool.duration == .seconds(10))
        #expect(configuration.client.httpTool.reportInterval == .seconds(1))
        #expect(configuration.client.httpTool.connectionType == .keepAlive)
        #expect(configuration.client.progression.maxSocketErrors == 50)
        #expect(configuration.client.progression.timeoutPercentile == nil)
        #expect(configuration.cleanupResources)
    }

    @Test("a file that sets only rate_limit keeps every other default")
    func deepMergeKeepsSiblings() throws {
        let defaults = try ConfigurationLoader().load(sources: [])
        let configuration = try ConfigTestSupport.load("""
            client:
              http_tool_configs:
                rate_limit: 250
            """)
        #expect(configuration.client.httpTool.rateLimit == 250)
        var expected = defaults.client.httpTool
        expected.rateLimit = 250
        #expect(configuration.client.httpTool == expected)
        #expect(configuration.server == defaults.server)
        #expect(configuration.client.progression == defaults.client.progression)
        #expect(configuration.openstack == defaults.openstack)
    }

    @Test("later files win, and lists replace rather than merge")
    func laterFilesWinAndListsReplace() throws {
        let sources = [
            ConfigurationSource(name: "a.yaml", text: "server: {number_tenants: 3, vms_per_network: 4}\n"),
            ConfigurationSource(name: "b.yaml", text: "server: {number_tenants: 5}\nclient: {progression: {http_stop_limit: [10, 99.9]}}\n"),
        ]
        let configuration = try ConfigurationLoader().load(sources: sources)
        #expect(configuration.server.numberOfTenants == 5)
        #expect(configuration.server.vmsPerNetwork == 4)
        #expect(configuration.client.progression.maxSocketErrors == 10)
        #expect(configuration.client.progression.timeoutPercentile == 99.9)
    }

    @Test("an empty section or an empty file changes nothing")
    func emptyValuesChangeNothing() throws {
        let defaults = try ConfigurationLoader().load(sources: [])
        #expect(try ConfigTestSupport.load("server:\n# number_tenants: 9\nclient:\n") == defaults)
        #expect(try ConfigTestSupport.load("# only a comment\n") == defaults)
    }

    @Test("a KloudBuster 8 file with OpenStack keys and quoted strings loads")
    func kloudBusterStyleFileLoads() throws {
        let configuration = try ConfigTestSupport.load("""
            image_name: 'kloudbuster-8.0.0'
            keystone_admin_role: "admin"
            cleanup_resources: True
            server:
                flavor:
                    vcpus: 2
                    ram: 4096
                    disk: 20
                    extra_specs:
                        "hw:cpu_policy": dedicated
                availability_zone: nova:host-1
            client:
                http_tool_configs:
                    connection_type: 'Keep-alive'
                    report_interval: 0
            """)
        #expect(configuration.openstack.imageName == "kloudbuster-8.0.0")
        #expect(configuration.server.flavor.vcpus == 2)
        #expect(configuration.server.flavor.extraSpecs == [.init(key: "hw:cpu_policy", value: "dedicated")])
        #expect(configuration.server.availabilityZone == "nova:host-1")
        #expect(configuration.client.httpTool.reportInterval == nil)
    }

    @Test("a file that cannot be read is named in the error")
    func unreadableFile() {
        let missing = "/nonexistent/kb-\(UUID().uuidString).yaml"
        #expect {
            _ = try ConfigurationLoader().load(files: [missing])
        } throws: { error in
            guard let error = error as? ConfigurationErrors, let first = error.errors.first else { return false }
            return error.errors.count == 1 && first.file == missing && first.message.contains("cannot read")
        }
    }

    @Test("YAML syntax errors carry the file and line")
    func syntaxError() {
        let errors = ConfigTestSupport.errors("server:\n  number_tenants: 1\n bad: [1, 2\n", name: "broken.yaml")
        #expect(errors.count == 1)
        #expect(errors.first?.file == "broken.yaml")
        #expect((errors.first?.line ?? 0) >= 3)
        #expect(errors.first?.message.contains("not valid YAML") == true)
    }

    @Test("a top level that is not a mapping is refused")
    func topLevelMustBeMapping() {
        let errors = ConfigTestSupport.errors("- server\n- client\n")
        #expect(errors.map(\.line) == [1])
        #expect(errors.first?.message.contains("must be a mapping") == true)
    }
}

/// Helpers shared by the configuration tests.
enum ConfigTestSupport {
    /// Loads `yaml` as a user file named `name` over the default.
    static func load(_ yaml: String, name: String = "user.yaml") throws(ConfigurationErrors) -> Configuration {
        try ConfigurationLoader().load(sources: [ConfigurationSource(name: name, text: yaml)])
    }

    /// The errors loading `yaml` produces; empty when it loads.
    static func errors(_ yaml: String, name: String = "user.yaml") -> [ConfigurationError] {
        do {
            _ = try load(yaml, name: name)
            return []
        } catch {
            return error.errors
        }
    }

    /// Writes `text` to a fresh file in the temporary directory and returns its path.
    static func temporaryFile(_ text: String, suffix: String = ".yaml") throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("kb-config-\(UUID().uuidString)\(suffix)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
