@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// A member (non-admin) user in tenant-reuse mode, against the real control plane: it stages
/// without any admin call, and a shortfall it cannot fix is reported before anything exists.
@Suite("OpenStack member user and tenant reuse", .serialized, .enabled(if: OpenStackHarness.enabled))
struct OpenStackMemberTests {
    /// A project with two member users and a flavor of the test's size, made as admin.
    struct ReusedProject {
        let name: String
        let projectID: String
        let userIDs: [String]
        let flavorID: String
        let password: String

        /// `ram` sets the flavor's size: each test uses its own, so the stager finds that one.
        static func make(ram: Int) async throws -> ReusedProject {
            let admin = try OpenStackHarness.adminSession()
            let identity = IdentityAPI(session: admin)
            let name = "kbtest-reuse-\(UUID().uuidString.prefix(8).lowercased())"
            let projectID = try await identity.createProject(name: name, domainID: "default", description: "kloudbuster test")
            let member = try await identity.roleID(named: "member")
            var users: [String] = []
            let password = "member-pass-\(UUID().uuidString.prefix(6))"
            for suffix in ["srv", "cli"] {
                let id = try await identity.createUser(name: "\(name)-\(suffix)", password: password, projectID: projectID, domainID: "default")
                try await identity.assignRole(member, user: id, project: projectID, describing: "grant member")
                users.append(id)
            }
            let flavor = try await ComputeAPI(session: admin).createFlavor(name: "\(name)-flavor", vcpus: 1, ramMB: ram, diskGB: 1, ephemeralGB: 0)
            return ReusedProject(name: name, projectID: projectID, userIDs: users, flavorID: flavor, password: password)
        }

        /// The tenants file and a member's openrc.
        func files(in directory: URL) throws -> (tenants: URL, openrc: URL) {
            let tenants = directory.appendingPathComponent("tenants.yaml")
            try """
                tenant_name: \(name)
                server_user: {username: \(name)-srv, password: \(password)}
                client_user: {username: \(name)-cli, password: \(password)}
                """.write(to: tenants, atomically: true, encoding: .utf8)
            let admin = try OpenStackHarness.rcVariables()
            let openrc = directory.appendingPathComponent("member-openrc.sh")
            try """
                export OS_AUTH_URL=\(admin["OS_AUTH_URL"]!)
                export OS_USERNAME=\(name)-srv
                export OS_PASSWORD=\(password)
                export OS_PROJECT_NAME=\(name)
                export OS_USER_DOMAIN_NAME=Default
                export OS_PROJECT_DOMAIN_NAME=Default
                export OS_REGION_NAME=\(admin["OS_REGION_NAME"] ?? "RegionOne")
                """.write(to: openrc, atomically: true, encoding: .utf8)
            return (tenants, openrc)
        }

        func delete() async throws {
            let admin = try OpenStackHarness.adminSession()
            let identity = IdentityAPI(session: admin)
            for user in userIDs { try await identity.deleteUser(id: user, describing: "test user") }
            try await identity.deleteProject(id: projectID, describing: name)
            try await ComputeAPI(session: admin).deleteFlavor(id: flavorID, describing: "test flavor")
        }
    }

    private func workspace(_ project: ReusedProject, ram: Int) throws -> (OpenStackRunTests.Workspace, tenants: URL, openrc: URL) {
        let workspace = try OpenStackRunTests.Workspace(networks: 1, vms: 1)
        var yaml = try String(contentsOf: workspace.config, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "ram: 512", with: "ram: \(ram)")
        try yaml.write(to: workspace.config, atomically: true, encoding: .utf8)
        let files = try project.files(in: workspace.directory)
        return (workspace, files.tenants, files.openrc)
    }

    @Test("a member with a tenants file stages, runs and cleans up in the reused project, with no admin call")
    func memberRun() async throws {
        let project = try await ReusedProject.make(ram: 256)
        let (workspace, tenants, openrc) = try workspace(project, ram: 256)
        let simulator = try OpenStackHarness.startSimulator(stateDirectory: workspace.directory.appendingPathComponent("vms"))
        defer { _ = simulator }
        let run = try workspace.start([
            "run", "--cloud", "openstack", "--rc", openrc.path, "-l", tenants.path, "-c", workspace.config.path, "--json", workspace.json.path,
        ])
        let result = await run.wait(timeout: 900)
        #expect(result.status == 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)")
        #expect(result.stdout.contains("server side member, client side member"))
        let json = try #require(JSONValue(data: try Data(contentsOf: workspace.json)))
        let runID = try json.requireString("run_id")
        #expect(json["kb_result"]?.array?.first?["total_client_vms"]?.int == 1)
        #expect(try workspace.ledger().resources(run: runID).allSatisfy { $0.kind != .tenant && $0.kind != .user && $0.kind != .flavor })
        let left = try await OpenStackHarness.leftovers(
            runID: runID, projectIDs: [], userIDs: Set(project.userIDs), reusedProjects: [project.projectID])
        #expect(left.isEmpty, "left in the cloud: \(left)")
        try await project.delete()
    }

    @Test("a member without a tenants file, or a project short of quota, is told why before anything is created")
    func refusedBeforeCreating() async throws {
        let project = try await ReusedProject.make(ram: 320)
        let (workspace, tenants, openrc) = try workspace(project, ram: 320)
        let noTenants = await (try workspace.start(["run", "--cloud", "openstack", "--rc", openrc.path, "-c", workspace.config.path])).wait(timeout: 300)
        #expect(noTenants.status == 1)
        let noTenantsText = noTenants.stdout + noTenants.stderr
        #expect(noTenantsText.contains("has no admin role") && noTenantsText.contains("tenants file"), "\(noTenantsText)")
        try await ComputeAPI(session: try OpenStackHarness.adminSession()).setQuota(project: project.projectID, ["instances": 1])
        let short = await (try workspace.start([
            "run", "--cloud", "openstack", "--rc", openrc.path, "-l", tenants.path, "-c", workspace.config.path,
        ])).wait(timeout: 300)
        #expect(short.status == 1)
        let shortText = short.stdout + short.stderr
        #expect(shortText.contains("lacks quota") && shortText.contains("instances (compute): needs 2, 1 free"), "\(shortText)")
        let ledger = try workspace.ledger()
        for run in try ledger.runs() {
            #expect(try ledger.resources(run: run.id).isEmpty, "run \(run.id) created something")
        }
        try await project.delete()
    }
}
