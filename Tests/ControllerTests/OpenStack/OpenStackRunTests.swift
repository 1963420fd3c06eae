@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// `kloudbuster run --cloud openstack` and `kloudbuster cleanup --cloud openstack` against the
/// real control plane of `scripts/openstack-local.sh`, with the VM simulator starting an agent
/// for every ACTIVE server from the user data Nova holds.
@Suite("OpenStack runs on the loopback control plane", .serialized, .enabled(if: OpenStackHarness.enabled))
struct OpenStackRunTests {
    /// A folder with a configuration, a state directory and the files of one test.
    struct Workspace {
        let directory: URL
        var state: URL { directory.appendingPathComponent("state") }
        var config: URL { directory.appendingPathComponent("config.yaml") }
        var json: URL { directory.appendingPathComponent("result.json") }
        var image: URL { directory.appendingPathComponent("agent.img") }
        var key: URL { directory.appendingPathComponent("id.pub") }

        /// `serverExtras`: more `server:` keys, indented by two spaces.
        init(networks: Int, vms: Int, tenants: Int = 1, keypair: Bool = false, serverExtras: String = "") throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-os-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(count: 1 << 20).write(to: image)
            try "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3Ld7y0Xy8nVDnfnE+S6I0UhZ3Qd2O6a4k4T2b0lqVh kb-test\n"
                .write(to: key, atomically: true, encoding: .utf8)
            let yaml = """
                vm_image_file: \(image.path)
                vm_creation_concurrency: 4
                \(keypair ? "public_key_file: \(key.path)" : "")
                server:
                  flavor: {vcpus: 1, ram: 512, disk: 1}
                  number_tenants: \(tenants)
                  routers_per_tenant: 1
                  networks_per_router: \(networks)
                  vms_per_network: \(vms)
                \(serverExtras)
                client:
                  flavor: {vcpus: 1, ram: 512, disk: 1}
                  http_tool_configs:
                    connections: 4
                    rate_limit: 50
                    duration: 4
                    report_interval: 1
                """
            try yaml.write(to: config, atomically: true, encoding: .utf8)
        }

        /// `kloudbuster <arguments>` with this workspace's state folder.
        func start(_ arguments: [String]) throws -> ChildProcess {
            try ChildProcess(RunEndToEndTests.Binaries.kloudbuster, arguments + ["--state-dir", state.path])
        }

        /// The ledger of the state folder.
        func ledger() throws -> Ledger {
            Ledger(store: try #require(try StateStore.openExisting(directory: state)))
        }

        /// The projects and users the run recorded (to look for what lives in them).
        func recordedIdentities(run runID: String) throws -> (projects: Set<String>, users: Set<String>) {
            let resources = try ledger().resources(run: runID)
            return (Set(resources.filter { $0.kind == .tenant }.compactMap(\.externalID)),
                    Set(resources.filter { $0.kind == .user }.compactMap(\.externalID)))
        }
    }

    @Test("2 tenants × 1 router × 2 networks × 1 VM: 4 servers and 4 clients staged (floating IPs, zone:host), joined, loaded, then nothing left")
    func fullRun() async throws {
        let workspace = try Workspace(
            networks: 2, vms: 1, tenants: 2, keypair: true,
            serverExtras: "  use_floatingip: true\n  availability_zone: nova:kb-compute")
        let simulator = try OpenStackHarness.startSimulator(stateDirectory: workspace.directory.appendingPathComponent("vms"))
        defer { _ = simulator }
        let run = try workspace.start([
            "run", "--cloud", "openstack", "--rc", OpenStackHarness.openrc.path, "-c", workspace.config.path, "--json", workspace.json.path,
        ])
        let result = await run.wait(timeout: 900)
        #expect(result.status == 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)")
        let json = try #require(JSONValue(data: try Data(contentsOf: workspace.json)))
        let runID = try json.requireString("run_id")
        let stage = try #require(json["kb_result"]?.array?.first)
        #expect(stage["total_server_vms"]?.int == 4)
        #expect(stage["total_client_vms"]?.int == 4)
        #expect((stage["http_total_req"]?.int ?? 0) > 0, "no load flowed:\n\(result.stdout)")
        #expect(json["cloud"]?.string == "openstack")
        let identities = try workspace.recordedIdentities(run: runID)
        #expect(identities.projects.count == 4 && identities.users.count == 4)
        let ledger = try workspace.ledger()
        #expect(try ledger.liveResources(run: runID).isEmpty)
        let kinds = Set(try ledger.resources(run: runID).map(\.kind))
        #expect(kinds.isSuperset(of: [.tenant, .user, .securityGroup, .keypair, .router, .network, .routerInterface, .vm, .floatingIP]))
        #expect(try ledger.resources(run: runID).filter { $0.kind == .floatingIP }.count == 4)
        let left = try await OpenStackHarness.leftovers(runID: runID, projectIDs: identities.projects, userIDs: identities.users)
        #expect(left.isEmpty, "left in the cloud: \(left)")
        // Every VM was booted with a config drive, the agent image's first source of user data.
        let started = try String(contentsOf: workspace.directory.appendingPathComponent("vms/simulator.log"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains("started agent \(runID)") }
        #expect(started.count == 8, "\(started)")
        #expect(started.allSatisfy { $0.hasSuffix("config_drive=True") }, "\(started)")
    }

    @Test("dual cloud (--testing-rc): clients are recorded in the testing cloud and cleaned with its credentials")
    func dualCloud() async throws {
        let workspace = try Workspace(networks: 1, vms: 1)
        let testingRC = workspace.directory.appendingPathComponent("testing-openrc.sh")
        try FileManager.default.copyItem(at: OpenStackHarness.openrc, to: testingRC)
        let simulator = try OpenStackHarness.startSimulator(stateDirectory: workspace.directory.appendingPathComponent("vms"))
        defer { _ = simulator }
        let result = await (try workspace.start([
            "run", "--cloud", "openstack", "--rc", OpenStackHarness.openrc.path, "--testing-rc", testingRC.path,
            "-c", workspace.config.path, "--json", workspace.json.path,
        ])).wait(timeout: 900)
        #expect(result.status == 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)")
        let runID = try #require(JSONValue(data: try Data(contentsOf: workspace.json))).requireString("run_id")
        let resources = try workspace.ledger().resources(run: runID)
        let clouds = Dictionary(grouping: resources.filter { $0.kind == .vm }, by: \.cloud).mapValues { $0.map(\.name) }
        #expect(clouds["openstack"] == ["\(runID)-srv-0"], "\(clouds)")
        #expect(clouds["openstack-testing"] == ["\(runID)-cli-0"], "\(clouds)")
        #expect(try workspace.ledger().liveResources(run: runID).isEmpty)
        let identities = try workspace.recordedIdentities(run: runID)
        let left = try await OpenStackHarness.leftovers(runID: runID, projectIDs: identities.projects, userIDs: identities.users)
        #expect(left.isEmpty, "left in the cloud: \(left)")
    }

    @Test("SIGKILL of the controller while it stages, then `cleanup --all --no-sweep --cloud openstack`: the ledger alone leaves nothing of the run, keypairs of its users included")
    func killDuringStaging() async throws {
        let workspace = try Workspace(networks: 2, vms: 2, keypair: true)
        let run = try workspace.start(["run", "--cloud", "openstack", "--rc", OpenStackHarness.openrc.path, "-c", workspace.config.path])
        // Kill once some VMs are recorded: networks exist, some servers are booting.
        let deadline = Date().addingTimeInterval(600)
        var runID: String?
        while Date() < deadline {
            if let store = try? StateStore.openExisting(directory: workspace.state), let record = try Ledger(store: store).runs().first {
                let ledger = Ledger(store: store)
                runID = record.id
                if try ledger.resources(run: record.id).filter({ $0.kind == .vm }).count >= 2 { break }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        kill(run.pid, SIGKILL)
        _ = await run.wait(timeout: 10)
        let killedRun = try #require(runID)
        #expect(try workspace.ledger().liveResources(run: killedRun).count >= 8, "killed before staging got far")
        let cleanup = try workspace.start(["cleanup", "--all", "--no-sweep", "--cloud", "openstack", "--rc", OpenStackHarness.openrc.path])
        let cleaned = await cleanup.wait(timeout: 600)
        #expect(cleaned.status == 0, "stdout:\n\(cleaned.stdout)\nstderr:\n\(cleaned.stderr)")
        #expect(try workspace.ledger().liveResources(run: killedRun).isEmpty)
        let identities = try workspace.recordedIdentities(run: killedRun)
        let left = try await OpenStackHarness.leftovers(runID: killedRun, projectIDs: identities.projects, userIDs: identities.users)
        #expect(left.isEmpty, "left in the cloud: \(left)")
    }
}
