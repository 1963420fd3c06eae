@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// Authenticating with what operators give besides an openrc file, against the real Keystone:
/// an application credential (`OS_APPLICATION_CREDENTIAL_*`, or clouds.yaml's
/// `v3applicationcredential`) and a clouds.yaml cloud with its password in secure.yaml.
@Suite("OpenStack application credentials and clouds.yaml, live", .serialized, .enabled(if: OpenStackHarness.enabled))
struct OpenStackAuthLiveTests {
    /// An application credential Keystone issued.
    struct ApplicationCredential {
        let id: String
        let name: String
        let secret: String
        let userID: String
        let session: OpenStackSession

        /// Creates one for the user of `session` (Keystone lets a user create its own).
        static func make(for session: OpenStackSession) async throws -> ApplicationCredential {
            let userID = try await session.currentToken().userID
            let name = "kbtest-ac-\(UUID().uuidString.prefix(8).lowercased())"
            let reply = try await session.json(APIRequest(
                .identity, "POST", "users/\(userID)/application_credentials",
                json: ["application_credential": ["name": .of(name), "description": "kloudbuster test"]],
                operation: "create application credential \(name)", expect: [201]))
            return ApplicationCredential(
                id: try reply.requireString("application_credential", "id"), name: name,
                secret: try reply.requireString("application_credential", "secret"), userID: userID, session: session)
        }

        /// The `OS_*` variables that select it.
        func variables(byName: Bool = false, secret: String? = nil) throws -> [String: String] {
            let admin = try OpenStackHarness.rcVariables()
            var variables = [
                "OS_AUTH_URL": admin["OS_AUTH_URL"]!, "OS_AUTH_TYPE": "v3applicationcredential",
                "OS_APPLICATION_CREDENTIAL_SECRET": secret ?? self.secret, "OS_REGION_NAME": admin["OS_REGION_NAME"] ?? "RegionOne",
            ]
            if byName {
                variables["OS_APPLICATION_CREDENTIAL_NAME"] = name
                variables["OS_USER_ID"] = userID
            } else {
                variables["OS_APPLICATION_CREDENTIAL_ID"] = id
            }
            return variables
        }

        func delete() async throws {
            _ = try await session.send(APIRequest(
                .identity, "DELETE", "users/\(userID)/application_credentials/\(id)", operation: "delete application credential \(name)",
                expect: [204, 404]))
        }
    }

    /// This process's environment without any `OS_*` variable, plus `extra`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OS_") }.merging(extra) { _, new in new }
    }

    /// The names of the networks `session` sees.
    static func networkNames(_ session: OpenStackSession) async throws -> Set<String> {
        Set(try await NetworkAPI(session: session).list(.network).compactMap { $0["name"]?.string })
    }

    @Test("an application credential, by id or by name and user, gets a token of its project and lists networks; a wrong secret is a 401 that says so")
    func applicationCredential() async throws {
        let credential = try await ApplicationCredential.make(for: try OpenStackHarness.adminSession())
        for byName in [false, true] {
            let credentials = try OpenStackCredentials(variables: try credential.variables(byName: byName), source: "the test's variables")
            let session = OpenStackSession(credentials: credentials)
            let token = try await session.currentToken()
            #expect(token.projectName == "admin" && token.hasRole("admin"), "by name: \(byName)")
            #expect(try await Self.networkNames(session).contains("public"), "by name: \(byName)")
        }
        let wrong = OpenStackSession(credentials: try OpenStackCredentials(
            variables: try credential.variables(secret: "not-the-secret"), source: "the test's variables"))
        let error = await #expect(throws: OpenStackAPIError.self) { try await wrong.currentToken() }
        #expect(error?.status == 401 && error?.description.contains("application credential") == true, "\(String(describing: error))")
        try await credential.delete()
    }

    @Test("a member's application credential in the environment runs a tenants-file test end to end (preflight, staging, load, cleanup)")
    func applicationCredentialRun() async throws {
        let project = try await OpenStackMemberTests.ReusedProject.make(ram: 384)
        let workspace = try OpenStackRunTests.Workspace(networks: 1, vms: 1)
        var yaml = try String(contentsOf: workspace.config, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "ram: 512", with: "ram: 384")
        try yaml.write(to: workspace.config, atomically: true, encoding: .utf8)
        let files = try project.files(in: workspace.directory)
        let member = OpenStackSession(credentials: try OpenStackCredentials.fromRCFile(files.openrc.path, environment: [:]))
        let credential = try await ApplicationCredential.make(for: member)
        let simulator = try OpenStackHarness.startSimulator(stateDirectory: workspace.directory.appendingPathComponent("vms"))
        defer { _ = simulator }
        let started = ContinuousClock.now
        let run = try ChildProcess(
            RunEndToEndTests.Binaries.kloudbuster,
            ["run", "--cloud", "openstack", "-l", files.tenants.path, "-c", workspace.config.path, "--json", workspace.json.path,
             "--state-dir", workspace.state.path],
            environment: Self.environment(try credential.variables()))
        let result = await run.wait(timeout: 900)
        print("application credential run took \(ContinuousClock.now - started)")
        #expect(result.status == 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)")
        #expect(result.stdout.contains("server side member, client side member"), "\(result.stdout)")
        // Not a terminal: progress stays line by line, with no bar redrawn in place.
        #expect(result.stdout.contains("tenant 2 of 2 ready") && result.stdout.contains("2 of 2 VM(s) active"), "\(result.stdout)")
        #expect(!result.stdout.contains("\r") && !result.stdout.contains("\u{1B}["), "\(result.stdout)")
        let json = try #require(JSONValue(data: try Data(contentsOf: workspace.json)))
        let runID = try json.requireString("run_id")
        #expect(json["kb_result"]?.array?.first?["total_client_vms"]?.int == 1)
        #expect((json["kb_result"]?.array?.first?["http_total_req"]?.int ?? 0) > 0, "no load flowed:\n\(result.stdout)")
        let left = try await OpenStackHarness.leftovers(
            runID: runID, projectIDs: [], userIDs: Set(project.userIDs), reusedProjects: [project.projectID])
        #expect(left.isEmpty, "left in the cloud: \(left)")
        try await credential.delete()
        try await project.delete()
    }

    @Test("clouds.yaml + secure.yaml: --os-cloud and $OS_CLOUD authenticate (password, and v3applicationcredential), in process and through the CLI")
    func cloudsYAML() async throws {
        let admin = try OpenStackHarness.rcVariables()
        let credential = try await ApplicationCredential.make(for: try OpenStackHarness.adminSession())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-clouds-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clouds = directory.appendingPathComponent("clouds.yaml")
        let authURL = admin["OS_AUTH_URL"]!.replacingOccurrences(of: "/v3", with: "")  // clouds.yaml often omits it
        try """
            clouds:
              kbtest:
                auth:
                  auth_url: \(authURL)
                  username: \(admin["OS_USERNAME"]!)
                  project_name: \(admin["OS_PROJECT_NAME"]!)
                  domain_name: Default
                regions: [\(admin["OS_REGION_NAME"] ?? "RegionOne")]
                interface: public
              kbtest-ac:
                auth_type: v3applicationcredential
                auth:
                  auth_url: \(authURL)
                  application_credential_id: \(credential.id)
                region_name: \(admin["OS_REGION_NAME"] ?? "RegionOne")
            """.write(to: clouds, atomically: true, encoding: .utf8)
        try """
            clouds:
              kbtest:
                auth: {password: "\(admin["OS_PASSWORD"]!)"}
              kbtest-ac:
                auth: {application_credential_secret: "\(credential.secret)"}
            """.write(to: directory.appendingPathComponent("secure.yaml"), atomically: true, encoding: .utf8)
        let environment = ["OS_CLIENT_CONFIG_FILE": clouds.path, "HOME": directory.path]
        let named = try CloudOptions.parse(["--cloud", "openstack", "--os-cloud", "kbtest"]).serverCredentials(environment: environment)
        let fromVariable = try CloudOptions.parse(["--cloud", "openstack"]).serverCredentials(environment: environment.merging(["OS_CLOUD": "kbtest-ac"]) { $1 })
        #expect(named.cloudName == "kbtest" && named.regionName == admin["OS_REGION_NAME"])
        #expect(fromVariable.secret == .applicationCredential(id: credential.id, name: nil, secret: credential.secret))
        for credentials in [named, fromVariable] {
            let session = OpenStackSession(credentials: credentials)
            #expect(try await session.currentToken().projectName == "admin", "\(credentials.source)")
            #expect(try await Self.networkNames(session).contains("public"), "\(credentials.source)")
        }
        for cloud in ["kbtest", "kbtest-ac"] {
            let cleanup = await (try ChildProcess(
                RunEndToEndTests.Binaries.kloudbuster,
                ["cleanup", "--all", "--dry-run", "--cloud", "openstack", "--os-cloud", cloud, "--state-dir", directory.appendingPathComponent("state").path],
                environment: Self.environment(["OS_CLIENT_CONFIG_FILE": clouds.path]))).wait(timeout: 120)
            #expect(cleanup.status == 0 && cleanup.stdout.contains("sweep of cloud \(cloud)"), "stdout:\n\(cleanup.stdout)\nstderr:\n\(cleanup.stderr)")
        }
        try await credential.delete()
        try? FileManager.default.removeItem(at: directory)
    }
}
