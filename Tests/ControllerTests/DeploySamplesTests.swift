@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// The sample configurations in deploy/samples are what operators start from: each must load
/// and validate for the cloud it is written for, so a renamed key can never rot them.
@Suite("deploy/samples validate")
struct DeploySamplesTests {
    static let folder = NginxServer.repository.appendingPathComponent("deploy/samples")

    @Test("every configuration sample is valid on OpenStack, with no capacity problem", arguments: [
        "east-west.yaml", "north-south.yaml", "progression.yaml", "tenant-reuse.yaml",
    ])
    func configurationIsValid(_ name: String) throws {
        let path = Self.folder.appendingPathComponent(name).path
        let configuration = try ConfigurationLoader().load(files: [path])
        #expect(TopologyCapacity.errors(configuration, cloud: .openstack).isEmpty)
        #expect(configuration.openstack.imageName == "kloudbuster-agent")
    }

    @Test("the qemu sample is valid on the qemu cloud and fits this machine")
    func qemuSample() throws {
        let configuration = try ConfigurationLoader().load(files: [Self.folder.appendingPathComponent("qemu.yaml").path])
        #expect(TopologyCapacity.errors(configuration, cloud: .qemu).isEmpty)
        #expect(configuration.notes(for: .qemu).isEmpty, "every key of the sample acts on qemu")
        #expect(configuration.server.flavor.ramMB == 512 && configuration.client.flavor.vcpus == 1)
    }

    @Test("the progression sample stages 1, 2, 4, 6, 8 clients and stops on errors or p99")
    func progressionSample() throws {
        let configuration = try ConfigurationLoader().load(files: [Self.folder.appendingPathComponent("progression.yaml").path])
        #expect(configuration.client.progression.enabled)
        let plan = StagePlan(
            progression: configuration.client.progression, timeout: configuration.client.httpTool.timeout,
            totalClients: configuration.server.vmCount)
        #expect(plan.stages.map(\.clients) == [1, 2, 4, 6, 8])
    }

    @Test("the tenants file and the stresshm.conf sample parse")
    func otherFiles() throws {
        let tenants = try TenantReuse(file: Self.folder.appendingPathComponent("tenants.yaml").path)
        #expect(tenants.projectName == "kb_reuse" && tenants.serverUser.name == "kb_reuse_server")
        let stress = try StresshmConfig.load(Self.folder.appendingPathComponent("stresshm.conf").path)
        #expect(stress.loadBalancers == 1000 && stress.version == 3 && stress.endpoints == "127.0.0.1:5555")
    }
}
