@testable import Controller
import Foundation
import Testing

@Suite("OpenStack plan: names with the run id, non-overlapping networks, 1:1 pairs")
struct OpenStackPlanTests {
    private let runID = "kb-20261122-0836-ab12"

    private func server(_ yaml: String) throws -> Configuration.Server {
        try ConfigurationLoader().load(sources: [ConfigurationSource(name: "t.yaml", text: yaml)]).server
    }

    @Test("2 tenants × 1 router × 2 networks × 1 VM: 4 servers and 4 clients on 8 distinct /24s")
    func shape() throws {
        let config = try server("server:\n  number_tenants: 2\n  routers_per_tenant: 1\n  networks_per_router: 2\n  vms_per_network: 1\n")
        let topology = try RunTopology(server: config, runID: runID, addresses: TenantNetworkAddresses())
        let plan = OpenStackPlan(topology: topology, server: config)
        #expect(plan.tenants.count == 4)
        #expect(plan.tenants(of: .server).map(\.projectName) == ["\(runID)-s0", "\(runID)-s1"])
        #expect(plan.tenants(of: .client).map(\.projectName) == ["\(runID)-c0", "\(runID)-c1"])
        let networks = plan.tenants.flatMap(\.networks)
        #expect(networks.count == 8)
        #expect(Set(networks.map(\.cidr)).count == 8)
        #expect(networks.allSatisfy { $0.name.hasPrefix(runID) })
        #expect(plan.vmCount(of: .server) == 4 && plan.vmCount(of: .client) == 4)
        #expect(plan.placements.count == 8)
        for (id, placement) in plan.placements {
            let network = try #require(networks.first { $0.name == placement.network })
            #expect(network.vmIDs.contains(id))
            let prefix = network.cidr.replacingOccurrences(of: ".0/24", with: ".")
            #expect(placement.address.hasPrefix(prefix), "\(placement.address) in \(network.cidr)")
        }
        #expect(plan.clientCIDRs.count == 4)
        #expect(plan.clientCIDRs.allSatisfy { cidr in plan.tenants(of: .server).flatMap(\.networks).allSatisfy { $0.cidr != cidr } })
        let names = plan.tenants.flatMap { [$0.projectName, $0.userName, $0.securityGroupName, $0.keypairName] + $0.routers.map(\.name) }
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.hasPrefix(runID + "-") })
    }

    @Test("a topology larger than 10.0.0.0/8 can hold is refused naming the key to lower")
    func tooLarge() throws {
        let config = try server("server:\n  vms_per_network: 300\n")
        let error = #expect(throws: OpenStackPlanError.self) {
            try RunTopology(server: config, runID: runID, addresses: TenantNetworkAddresses())
        }
        #expect(error?.description.contains("vms_per_network") == true)
    }
}
