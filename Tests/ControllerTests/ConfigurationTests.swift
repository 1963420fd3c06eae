import Testing
@testable import Controller

@Suite struct ConfigurationTests {
    @Test("OpenStack-only keys changed from the default are notes on the local cloud, not on OpenStack")
    func openstackOnlyNotes() throws {
        let configuration = try ConfigTestSupport.load("""
            image_name: my-image
            server:
              use_floatingip: true
              number_tenants: 2
              flavor:
                vcpus: 4
            """, name: "os.yaml")
        let local = configuration.notes(for: .local)
        #expect(local.count == 3)
        #expect(local[0].hasPrefix("os.yaml:1: image_name = my-image is ignored on the local cloud"))
        #expect(local[1].hasPrefix("os.yaml:3: server.use_floatingip = true is ignored on the local cloud"))
        #expect(local[2].hasPrefix("os.yaml:6: server.flavor.vcpus = 4 is ignored on the local cloud"))
        #expect(configuration.notes(for: .openstack).isEmpty)
    }

    @Test("keys of features not implemented are noted on every cloud; defaults give no notes")
    func notImplementedNotes() throws {
        #expect(try ConfigurationLoader().load(sources: []).notes(for: .local).isEmpty)
        let configuration = try ConfigTestSupport.load("client:\n  storage_stage_configs:\n    vm_count: 3\n")
        let notes = configuration.notes(for: .openstack)
        #expect(notes.count == 1)
        #expect(notes.first?.contains("client.storage_stage_configs.vm_count = 3 is accepted but not used") == true)
        let groups = try ConfigTestSupport.load("server:\n  secgroups_per_network: 2\n").notes(for: .openstack)
        #expect(groups.count == 1 && groups.first?.contains("server.secgroups_per_network = 2 is accepted but not used: one security group per tenant") == true,
                "\(groups)")
    }

    @Test("effectiveYAML loads back to an equal configuration, and its key order is the default's")
    func effectiveYAMLRoundTrips() throws {
        let configuration = try ConfigTestSupport.load("""
            result: {label: '1234', json_file: out.json}
            server: {flavor: {vcpus: 1, ram: 2048, disk: 0, extra_specs: {"hw:mem_page_size": large}}}
            client:
              http_tool_configs: {rate_limit: 0, timeout: 2.5, connection_type: New}
              progression: {enabled: yes, http_stop_limit: [5, 99.9]}
            """)
        let yaml = configuration.effectiveYAML()
        let again = try ConfigTestSupport.load(yaml, name: "effective.yaml")
        #expect(again == configuration)
        #expect(again.effectiveYAML() == yaml)
        #expect(again.result.label == "1234")
        #expect(again.client.httpTool.rateLimit == nil)
        let keys = yaml.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("-") }
            .map { String($0.prefix { $0 != ":" }) }
        #expect(keys.first == "openrc_file")
        #expect(keys.suffix(3) == ["server", "client", "result"])
    }

    @Test("the default's effective YAML round-trips too")
    func defaultRoundTrips() throws {
        let defaults = try ConfigurationLoader().load(sources: [])
        #expect(try ConfigTestSupport.load(defaults.effectiveYAML()) == defaults)
    }

    @Test("progression stages follow KloudBuster's steps and end at the total",
          arguments: [
              (true, 2, 7, [1, 2, 4, 6, 7]),
              (true, 5, 20, [1, 5, 10, 15, 20]),
              (false, 1, 4, [1, 2, 3, 4]),
              (false, 5, 12, [5, 10, 12]),
              (true, 1, 3, [1, 2, 3]),
          ])
    func stageCounts(startsWithOne: Bool, multiple: Int, total: Int, expected: [Int]) throws {
        var progression = try ConfigurationLoader().load(sources: []).client.progression
        progression.startsWithOne = startsWithOne
        progression.vmMultiple = multiple
        #expect(progression.stageCounts(total: total) == expected)
    }
}
