@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// The sweep of `kloudbuster cleanup --all --cloud openstack` against the real control plane:
/// leftovers no ledger row names are found in this tool's projects by their run-id names and
/// deleted; what lies outside those projects, or lacks a well-formed run id, or belongs to a run
/// whose controller is alive, is left alone.
///
/// The sweep looks at the whole loopback cloud: like every suite that runs a simulator, it must
/// not run beside the other OpenStack suites (`make test` passes `--no-parallel`).
@Suite("OpenStack cleanup sweep on the loopback control plane", .serialized, .enabled(if: OpenStackHarness.enabled))
struct OpenStackSweepTests {
    /// What a test made as admin, deleted at its end whatever the sweep did.
    final class Made: @unchecked Sendable {  // used by one test task at a time
        let admin: OpenStackSession
        var items: [(ResourceKind, String, String)] = []  // kind, id, name; deleted in reverse

        init() throws { admin = try OpenStackHarness.adminSession() }

        func note(_ kind: ResourceKind, _ id: String, _ name: String) { items.append((kind, id, name)) }

        /// A project, with a member user when `user` is given (returns the user's session).
        func project(_ name: String, user: String? = nil, password: String = "sweep-pass-1") async throws -> (id: String, session: OpenStackSession?) {
            let identity = IdentityAPI(session: admin)
            let id = try await identity.createProject(name: name, domainID: "default", description: "kloudbuster sweep test")
            note(.tenant, id, name)
            guard let user else { return (id, nil) }
            let userID = try await identity.createUser(name: user, password: password, projectID: id, domainID: "default")
            note(.user, userID, user)
            try await identity.assignRole(try await identity.roleID(named: "member"), user: userID, project: id, describing: "grant member")
            let adminCredentials = await admin.credentials
            let credentials = try OpenStackCredentials(
                authURL: adminCredentials.authURL, username: nil, userID: userID, userDomainName: nil, userDomainID: nil,
                secret: .password(password), projectName: nil, projectID: id, projectDomainName: nil, projectDomainID: nil,
                regionName: adminCredentials.regionName, interface: nil, caCertFile: nil, source: "sweep test", cloudName: "openstack")
            return (id, OpenStackSession(credentials: credentials))
        }

        /// A network (as admin, in `project`).
        @discardableResult
        func network(_ name: String, project: String) async throws -> String {
            let id = try await NetworkAPI(session: admin).create(.network, ["name": .of(name), "project_id": .of(project)], describing: name)
                .requireString("id")
            note(.network, id, name)
            return id
        }

        /// A keypair of another user (admin, microversion 2.10).
        func keypair(_ name: String, user: String) async throws {
            try await ComputeAPI(session: admin).ensureMicroversion()
            _ = try await admin.send(APIRequest(
                .compute, "POST", "os-keypairs",
                json: ["keypair": ["name": .of(name), "user_id": .of(user), "public_key": .of(OpenStackSweepTests.publicKey)]],
                operation: "import keypair \(name)", expect: [200, 201]))
            note(.keypair, "\(user)/\(name)", name)
        }

        /// Deletes everything noted, newest first; what the sweep took is found gone.
        func removeAll() async {
            for (kind, id, name) in items.reversed() {
                if kind == "image" {
                    _ = try? await ImageAPI(session: admin).delete(id: id, describing: name)
                    continue
                }
                _ = try? await OpenStackRemover(session: admin, vmGoneTimeout: .seconds(60)).remove(kind, id: id, name: name)
            }
        }
    }

    static let publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3Ld7y0Xy8nVDnfnE+S6I0UhZ3Qd2O6a4k4T2b0lqVh kb-test"

    /// The names of the networks (all projects) that exist now.
    static func networkNames(_ admin: OpenStackSession) async throws -> Set<String> {
        Set(try await NetworkAPI(session: admin).list(.network).compactMap { $0["name"]?.string })
    }

    /// The keypair names of `user`.
    static func keypairs(_ admin: OpenStackSession, user: String) async throws -> Set<String> {
        Set(try await ComputeAPI(session: admin).keypairs(userID: user))
    }

    @Test("cleanup --all sweeps run-named leftovers from tool projects (run-named, ledger, tenants file) and nothing else")
    func sweepsOnlyToolProjects() async throws {
        let made = try Made()
        let admin = made.admin
        let workspace = try OpenStackRunTests.Workspace(networks: 1, vms: 1)
        let tag = UUID().uuidString.prefix(8).lowercased()
        let (fresh, reused, ledgered, foreign) = (RunID.make(), RunID.make(), RunID.make(), RunID.make())
        // A project the ledger never saw, named as OpenStackPlan names a run's projects, with a
        // user, a VM on a network behind a router, a port, a security group, a keypair, a flavor.
        let (freshProject, userSession) = try await made.project("\(fresh)-s0", user: "\(fresh)-s0-user")
        let user = try #require(userSession)
        let userID = try await user.currentToken().userID
        let network = NetworkAPI(session: user)
        let netID = try await network.create(.network, ["name": .of("\(fresh)-s0-r0-n0")], describing: "net").requireString("id")
        made.note(.network, netID, "\(fresh)-s0-r0-n0")
        let subnetID = try await network.create(.subnet, [
            "name": .of("\(fresh)-s0-r0-n0"), "network_id": .of(netID), "ip_version": 4, "cidr": "10.251.7.0/24", "enable_dhcp": false,
        ], describing: "subnet").requireString("id")
        let routerID = try await network.create(.router, ["name": .of("\(fresh)-s0-r0")], describing: "router").requireString("id")
        made.note(.router, routerID, "\(fresh)-s0-r0")
        try await network.addRouterInterface(router: routerID, subnet: subnetID, describing: "attach")
        made.note(.routerInterface, "\(routerID)/\(subnetID)", "\(fresh)-s0-r0-n0-if")
        let portID = try await network.create(.port, ["name": .of("\(fresh)-s0-port"), "network_id": .of(netID)], describing: "port").requireString("id")
        made.note(.port, portID, "\(fresh)-s0-port")
        let groupID = try await network.create(.securityGroup, ["name": .of("\(fresh)-s0-sg")], describing: "sg").requireString("id")
        made.note(.securityGroup, groupID, "\(fresh)-s0-sg")
        try await made.keypair("\(fresh)-s0-kp", user: userID)
        let imageID = try await ImageAPI(session: admin).upload(name: "kbtest-sweep-\(tag)", file: workspace.image.path, diskFormat: .raw, visibility: "public")
        made.note("image", imageID, "kbtest-sweep-\(tag)")
        let flavorID = try await ComputeAPI(session: admin).createFlavor(name: "\(fresh)-server", vcpus: 1, ramMB: 128, diskGB: 1, ephemeralGB: 0)
        made.note(.flavor, flavorID, "\(fresh)-server")
        let serverID = try await ComputeAPI(session: user).createServer([
            "name": .of("\(fresh)-srv-0"), "imageRef": .of(imageID), "flavorRef": .of(flavorID), "networks": [["uuid": .of(netID)]],
        ], describing: "server")
        made.note(.vm, serverID, "\(fresh)-srv-0")

        // The tenants file's project (not named with a run id): one leftover of run `reused`,
        // one `kb-` name, one leftover of a run whose controller (this test) is alive.
        let reuseName = "kbtest-sweep-\(tag)"
        let (reuseProject, _) = try await made.project(reuseName, user: "\(reuseName)-srv")
        let reuseUser = try #require(made.items.last { $0.0 == .user }?.1)
        let ledger = Ledger(store: try StateStore(directory: workspace.state))
        let liveRun = try ledger.newRun(label: "live", cloud: "openstack", configYAML: "")
        try await made.network("\(reused)-net", project: reuseProject)
        try await made.network("kb-something-\(tag)", project: reuseProject)
        try await made.network("\(liveRun.id)-net", project: reuseProject)
        try await made.keypair("\(reused)-kp", user: reuseUser)
        try await made.keypair("kb-something-\(tag)", user: reuseUser)
        let tenants = workspace.directory.appendingPathComponent("tenants.yaml")
        try """
            tenant_name: \(reuseName)
            server_user: {username: \(reuseName)-srv, password: sweep-pass-1}
            client_user: {username: \(reuseName)-srv, password: sweep-pass-1}
            """.write(to: tenants, atomically: true, encoding: .utf8)

        // A project the ledger says an old run created (its row long marked deleted; the
        // project got another name so only the ledger can point at it).
        let (ledgerProject, _) = try await made.project("kbtest-ledger-\(tag)")
        try await made.network("\(ledgered)-net", project: ledgerProject)
        let oldRun = try ledger.newRun(label: "old", cloud: "openstack", configYAML: "")
        let row = try ledger.intend(run: oldRun.id, kind: .tenant, name: "\(oldRun.id)-s0", cloud: "openstack")
        try ledger.markCreated(row, externalID: ledgerProject)
        try ledger.markDeleted(row)
        // And one whose project is long deleted: looking in it must not make Neutron create a
        // `default` security group for it.
        let goneProject = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let goneRow = try ledger.intend(run: oldRun.id, kind: .tenant, name: "\(oldRun.id)-c0", cloud: "openstack")
        try ledger.markCreated(goneRow, externalID: goneProject)
        try ledger.markDeleted(goneRow)
        try ledger.setRunStatus(oldRun.id, .done)

        // Outside every tool project: a `kb-` project holding a leftover-looking network.
        let (foreignProject, _) = try await made.project("kb-foreign-\(tag)")
        try await made.network("\(foreign)-net", project: foreignProject)

        let arguments = ["cleanup", "--all", "--cloud", "openstack", "--rc", OpenStackHarness.openrc.path, "-l", tenants.path]
        let dry = await (try workspace.start(arguments + ["--dry-run"])).wait(timeout: 120)
        #expect(dry.status == 0, "\(dry.stdout)\n\(dry.stderr)")
        #expect(dry.stdout.contains("would delete network \(fresh)-s0-r0-n0") && dry.stdout.contains("would delete vm \(fresh)-srv-0"), "\(dry.stdout)")
        #expect(try await Self.networkNames(admin).contains("\(fresh)-s0-r0-n0"), "the dry run deleted something")

        let started = ContinuousClock.now
        let swept = await (try workspace.start(arguments)).wait(timeout: 300)
        print("sweep took \(ContinuousClock.now - started)")
        #expect(swept.status == 0, "\(swept.stdout)\n\(swept.stderr)")
        let out = swept.stdout
        for line in ["deleted vm \(fresh)-srv-0", "deleted router \(fresh)-s0-r0", "deleted port \(fresh)-s0-port", "deleted subnet \(fresh)-s0-r0-n0",
                     "deleted network \(fresh)-s0-r0-n0", "deleted security_group \(fresh)-s0-sg", "deleted keypair \(fresh)-s0-kp",
                     "deleted user \(fresh)-s0-user", "deleted tenant \(fresh)-s0", "deleted flavor \(fresh)-server",
                     "deleted network \(reused)-net", "deleted keypair \(reused)-kp", "deleted network \(ledgered)-net",
                     "spared network \(liveRun.id)-net"] {
            #expect(out.contains("  " + line), "missing \"\(line)\" in:\n\(out)")
        }
        let networks = try await Self.networkNames(admin)
        #expect(networks.isDisjoint(with: ["\(fresh)-s0-r0-n0", "\(reused)-net", "\(ledgered)-net"]), "\(networks.sorted())")
        #expect(networks.isSuperset(of: ["kb-something-\(tag)", "\(liveRun.id)-net", "\(foreign)-net"]), "\(networks.sorted())")
        // Nova shows a server as DELETED for a moment after the sweep saw it go.
        var server = try await ComputeAPI(session: admin).server(id: serverID)
        for _ in 0..<100 where server != nil {
            #expect(server?["status"]?.string == "DELETED", "\(String(describing: server))")
            try await Task.sleep(for: .milliseconds(300))
            server = try await ComputeAPI(session: admin).server(id: serverID)
        }
        #expect(server == nil)
        #expect(try await IdentityAPI(session: admin).projects(named: "\(fresh)-s0").isEmpty)
        #expect(try await IdentityAPI(session: admin).users(named: "\(fresh)-s0-user").isEmpty)
        #expect(try await Self.keypairs(admin, user: userID).isEmpty)
        #expect(try await Self.keypairs(admin, user: reuseUser) == ["kb-something-\(tag)"])
        let projects = Set(try await IdentityAPI(session: admin).projects().map(\.name))
        #expect(projects.isSuperset(of: [reuseName, "kbtest-ledger-\(tag)", "kb-foreign-\(tag)"]))
        // Unfiltered: a project filter would make Neutron create the project's default group.
        let groups = try await NetworkAPI(session: admin).list(.securityGroup).filter { [freshProject, goneProject].contains($0["project_id"]?.string) }
        #expect(groups.isEmpty, "\(groups)")
        await made.removeAll()
    }

    @Test("a member with a tenants file sweeps only the tenants file's project, through its users")
    func memberSweep() async throws {
        let made = try Made()
        let workspace = try OpenStackRunTests.Workspace(networks: 1, vms: 1)
        let tag = UUID().uuidString.prefix(8).lowercased()
        let name = "kbtest-msweep-\(tag)"
        let (project, _) = try await made.project(name, user: "\(name)-srv")
        let run = RunID.make()
        try await made.network("\(run)-net", project: project)
        try await made.network("kb-something-\(tag)", project: project)
        let (otherProject, _) = try await made.project("kbtest-other-\(tag)")
        try await made.network("\(run)-other", project: otherProject)
        let tenants = workspace.directory.appendingPathComponent("tenants.yaml")
        try "tenant_name: \(name)\nserver_user: {username: \(name)-srv, password: sweep-pass-1}\nclient_user: {username: \(name)-srv, password: sweep-pass-1}\n"
            .write(to: tenants, atomically: true, encoding: .utf8)
        let admin = try OpenStackHarness.rcVariables()
        let openrc = workspace.directory.appendingPathComponent("member-openrc.sh")
        try """
            export OS_AUTH_URL=\(admin["OS_AUTH_URL"]!)
            export OS_USERNAME=\(name)-srv
            export OS_PASSWORD=sweep-pass-1
            export OS_PROJECT_NAME=\(name)
            export OS_REGION_NAME=\(admin["OS_REGION_NAME"] ?? "RegionOne")
            """.write(to: openrc, atomically: true, encoding: .utf8)
        let swept = await (try workspace.start(["cleanup", "--all", "--cloud", "openstack", "--rc", openrc.path, "-l", tenants.path])).wait(timeout: 120)
        #expect(swept.status == 0, "\(swept.stdout)\n\(swept.stderr)")
        #expect(swept.stdout.contains("has no admin role") && swept.stdout.contains("deleted network \(run)-net"), "\(swept.stdout)")
        let networks = try await Self.networkNames(made.admin)
        #expect(!networks.contains("\(run)-net"))
        #expect(networks.isSuperset(of: ["kb-something-\(tag)", "\(run)-other"]), "\(networks.sorted())")
        await made.removeAll()
    }
}
