import ArgumentParser
import Foundation
import Testing
@testable import Controller

@Suite struct TopologyCapacityTests {
    @Test("each count that does not fit is an error at its key, with the reason run gives")
    func everyDimension() throws {
        let configuration = try ConfigTestSupport.load("""
            server:
              number_tenants: 200
              routers_per_tenant: 2
              networks_per_router: 150
              vms_per_network: 300
            """)
        let errors = TopologyCapacity.errors(configuration, cloud: .local, openFiles: nil)
        #expect(errors.map(\.path) == ["server.number_tenants", "server.networks_per_router", "server.vms_per_network"])
        #expect(errors.map(\.line) == [2, 4, 5])
        #expect(errors[0].message.hasPrefix("got 200, but servers and clients need 400 tenants and at most 254 fit in loopback"))
        #expect(errors[1].message.hasPrefix("got 300 networks per tenant (routers_per_tenant 2 × networks_per_router 150), but at most 256"))
        #expect(errors[2].message == "got 300, but at most 253 VMs per network fit on loopback; use fewer (vms_per_network)")
    }

    @Test("counts too large to multiply are refused, not trapped on")
    func hugeCounts() throws {
        let configuration = try ConfigTestSupport.load("""
            server: {routers_per_tenant: 4000000000000, networks_per_router: 4000000000000, vms_per_network: 4000000000000}
            """)
        #expect(TopologyCapacity.errors(configuration, cloud: .local, openFiles: 1024).map(\.path)
            == ["server.networks_per_router", "server.vms_per_network"])
    }

    @Test("the local cloud holds as many agents as the controller's open files allow, two connections each")
    func agentLimit() throws {
        let defaults = try ConfigurationLoader().load(sources: [])
        #expect(TopologyCapacity.localAgentLimit(openFiles: 1024) == 480)
        #expect(TopologyCapacity.errors(defaults, cloud: .local, openFiles: 72).isEmpty)  // 4 agents, room for 4
        let errors = TopologyCapacity.errors(defaults, cloud: .local, openFiles: 70)
        #expect(errors.count == 1)
        #expect(errors.first?.message.hasPrefix("4 agents (servers and clients) do not fit on the local cloud: with `ulimit -n` 70") == true)
        #expect(TopologyCapacity.errors(defaults, cloud: .openstack, openFiles: 70).isEmpty)
    }

    @Test("RunTopology refuses what validation refuses, with the layout's own error")
    func runTopologyUsesTheSameCheck() throws {
        let configuration = try ConfigTestSupport.load("server: {vms_per_network: 254}")
        #expect(throws: LoopbackAddressError.self) {
            try RunTopology(server: configuration.server, runID: "kb-20261122-0836-ab12", addresses: LoopbackAddresses())
        }
        #expect(TopologyCapacity.problems(server: configuration.server, addresses: try LoopbackAddresses()).map(\.key)
            == [["server", "vms_per_network"]])
        let fits = try ConfigTestSupport.load("server: {vms_per_network: 253}")
        #expect(TopologyCapacity.problems(server: fits.server, addresses: try LoopbackAddresses()).isEmpty)
    }

    @Test("run refuses a topology that does not fit in validate(), before anything exists (exit status 2)")
    func runValidates() throws {
        let path = try ConfigTestSupport.temporaryFile("server:\n  vms_per_network: 1000000000\n")
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kb-cap-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try RunCommand.parseAsRoot(["-c", path, "--state-dir", state])
            Issue.record("a topology that does not fit must not parse")
        } catch {
            #expect(RunCommand.exitCode(for: error) == .validationFailure)
            #expect(RunCommand.message(for: error).contains("\(path):2: server.vms_per_network: got 1000000000"))
        }
        #expect(!FileManager.default.fileExists(atPath: state))
    }

    @Test("--controller-address must be a numeric address of this machine")
    func controllerAddress() throws {
        for (address, why) in [("not-an-ip", "not a numeric IP address"), ("192.0.2.1", "not an address of this machine"),
                               ("0.0.0.0", "this means every address of the machine")] {
            do {
                _ = try RunCommand.parseAsRoot(["--controller-address", address])
                Issue.record("\(address) must not parse")
            } catch {
                let message = RunCommand.message(for: error)
                #expect(RunCommand.exitCode(for: error) == .validationFailure)
                #expect(message.hasPrefix("--controller-address \(address): \(why)"), "\(message)")
                #expect(message.contains("a numeric IPv4 or IPv6 address of this machine"))
            }
        }
        _ = try RunCommand.parseAsRoot(["--controller-address", "127.0.0.1"])
    }
}
