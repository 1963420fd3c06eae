@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// The real OpenStack control plane of `scripts/openstack-local.sh` (Keystone, Neutron, Nova
/// with the fake virt driver, Placement, Glance), as the integration tests use it.
///
/// `make test` brings it up and sets `KB_REQUIRE_OPENSTACK=1`, so there a missing harness
/// fails the tests; a plain `swift test` without it skips them.
enum OpenStackHarness {
    /// The admin openrc `up` wrote.
    static let openrc = NginxServer.repository.appendingPathComponent(".openstack/admin-openrc.sh")

    /// Whether the harness has been brought up (its openrc exists).
    static var isUp: Bool {
        FileManager.default.fileExists(atPath: openrc.path)
    }

    /// Whether the harness must be up (set by `make test`).
    static var isRequired: Bool {
        ProcessInfo.processInfo.environment["KB_REQUIRE_OPENSTACK"] == "1"
    }

    /// Run the OpenStack tests when the harness is up or required (then a missing harness fails).
    static var enabled: Bool { isUp || isRequired }

    /// The admin credentials.
    static func adminCredentials() throws -> OpenStackCredentials {
        guard isUp else {
            throw FixtureError("the OpenStack harness is not up: run `scripts/openstack-local.sh up` (make test does)")
        }
        return try OpenStackCredentials.fromRCFile(openrc.path, environment: [:])
    }

    /// An admin session.
    static func adminSession() throws -> OpenStackSession {
        OpenStackSession(credentials: try adminCredentials())
    }

    /// The kb-agent binary the simulator starts.
    static var agentBinary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kb-agent")
        return FileManager.default.isExecutableFile(atPath: beside.path)
            ? beside : NginxServer.repository.appendingPathComponent(".build/debug/kb-agent")
    }

    /// Starts the VM simulator: every ACTIVE server with agent user data gets a local agent.
    static func startSimulator(stateDirectory: URL) throws -> ChildProcess {
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in try rcVariables() { environment[key] = value }
        return try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/python3"),
            [NginxServer.repository.appendingPathComponent("scripts/openstack/vm_simulator.py").path,
             "--agent-binary", agentBinary.path, "--state-dir", stateDirectory.path, "--interval", "0.5",
             "--log", stateDirectory.appendingPathComponent("simulator.log").path],
            environment: environment)
    }

    /// The openrc's `OS_*` variables.
    static func rcVariables() throws -> [String: String] {
        let text = try String(contentsOf: openrc, encoding: .utf8)
        var variables: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("export OS_") {
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            variables[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        return variables
    }

    /// Everything of `runID` the cloud still holds, as `kind name` lines, looked up as admin:
    /// servers, ports, networks, routers, security groups, floating IPs, keypairs of the
    /// run's users, users and projects whose names carry the run id or that live in its
    /// projects (`projectIDs`).
    ///
    /// `reusedProjects` are projects the run was lent (tenant reuse): their own `default`
    /// security group is theirs, not the run's.
    static func leftovers(runID: String, projectIDs: Set<String>, userIDs: Set<String>,
                          reusedProjects: Set<String> = []) async throws -> [String] {
        let session = try adminSession()
        var found: [String] = []
        let servers = try await session.json(APIRequest(
            .compute, "GET", "servers", query: [URLQueryItem(name: "all_tenants", value: "1")], operation: "list servers"))
        for server in servers["servers"]?.array ?? [] where (server["name"]?.string ?? "").contains(runID) {
            found.append("server \(server["name"]?.string ?? "")")
        }
        let network = NetworkAPI(session: session)
        for resource in [NetworkAPI.Resource.port, .network, .router, .securityGroup, .floatingIP, .subnet] {
            for item in try await network.list(resource) {
                let name = item["name"]?.string ?? item["description"]?.string ?? ""
                let project = item["project_id"]?.string ?? item["tenant_id"]?.string ?? ""
                if resource == .securityGroup, name == "default", reusedProjects.contains(project) { continue }
                if name.contains(runID) || projectIDs.contains(project) || reusedProjects.contains(project) {
                    found.append("\(resource.noun) \(name.isEmpty ? item["id"]?.string ?? "" : name)")
                }
            }
        }
        for userID in userIDs {
            // Through ComputeAPI: `?user_id=` needs microversion 2.10, else Nova lists the admin's own.
            for keypair in try await ComputeAPI(session: session).keypairs(userID: userID) {
                found.append("keypair \(keypair)")
            }
        }
        for collection in ["users", "projects"] {
            let reply = try await session.json(APIRequest(.identity, "GET", collection, operation: "list \(collection)"))
            for item in reply[collection]?.array ?? [] where (item["name"]?.string ?? "").contains(runID) {
                found.append("\(collection.dropLast()) \(item["name"]?.string ?? "")")
            }
        }
        return found
    }
}
