@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// OpenStack runs through `kloudbuster serve`: credentials in the request (a clouds.yaml entry
/// as JSON) or named from the server's files, each bad one a 400 naming its key; against the
/// loopback control plane a REST run stages, loads and is cleaned up with those credentials,
/// and the password is stored nowhere.
@Suite("kloudbuster serve with OpenStack credentials", .serialized)
struct ServerOpenStackTests {
    /// `{"auth": {...}, "region_name": ...}` from the harness's openrc.
    static func credentials() throws -> [String: Any] {
        var auth: [String: Any] = [:], entry: [String: Any] = [:]
        for (variable, value) in try OpenStackHarness.rcVariables() {
            let key = variable.dropFirst(3).lowercased()
            if OpenStackCredentials.requestAuthKeys.contains(key) { auth[key] = value }
            else if ["region_name", "interface", "cacert"].contains(key) { entry[key] = value }
        }
        entry["auth"] = auth
        return entry
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test("bad credentials are a 400 naming the key; a cloud that cannot run the configuration is a 422; nothing is recorded")
    func badCredentials() async throws {
        let harness = try await ServerAPITests.Harness()
        let good: [String: Any] = ["auth": ["auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "p", "project_name": "x"]]
        let cases: [([String: Any], Int, String)] = [
            (["cloud": "local", "openstack": good], 400, "openstack"),
            (["cloud": "openstack", "openstack": "text"], 400, "openstack"),
            (["cloud": "openstack", "openstack": ["auth": ["auth_url": "http://127.0.0.1:9/v3", "pasword": "p"]]], 400, "openstack.auth.pasword"),
            (["cloud": "openstack", "openstack": ["auth": ["auth_url": "http://127.0.0.1:9/v3"], "region": "r"]], 400, "openstack.region"),
            (["cloud": "openstack", "openstack": ["region_name": "r"]], 400, "openstack.auth"),
            (["cloud": "openstack", "openstack": ["auth": ["auth_url": 5]]], 400, "openstack.auth.auth_url"),
            (["cloud": "openstack", "openstack": ["auth": ["auth_url": "ftp://x/v3", "username": "u", "password": "p", "project_name": "x"]]], 400, "openstack.auth.auth_url"),
            (["cloud": "openstack", "openstack": ["auth": ["auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "p"]]], 400, "openstack.auth.project_name"),
            (["cloud": "openstack", "openstack": ["auth": ["auth_url": "http://127.0.0.1:9/v3", "username": "u", "project_name": "x"]]], 400, "openstack.auth.password"),
            (["cloud": "openstack", "openstack": good, "os_cloud": "other"], 400, "openstack"),
            (["cloud": "openstack", "os_cloud": "no-such-cloud"], 400, "os_cloud"),
            (["cloud": "openstack", "rc_file": harness.directory.appendingPathComponent("missing-openrc").path], 400, "rc_file"),
            // A valid configuration the qemu cloud cannot boot: its image file does not exist.
            (["cloud": "qemu", "config": "vm_image_file: /nonexistent/agent.qcow2\n"], 422, "cloud"),
        ]
        for (body, status, field) in cases {
            let reply = try harness.request("POST", "/v1/runs", token: harness.operatorToken, json: try Self.json(body))
            #expect(reply.status == status, "\(body): \(reply.status) \(reply.body)")
            let error = try harness.object(reply.body)["error"] as? [String: Any]
            #expect(error?["field"] as? String == field, "\(body): \(reply.body)")
            let message = (error?["message"] as? String) ?? ""
            #expect(!message.contains("\"p\""), "a password in a message: \(reply.body)")
        }
        let store = try #require(try StateStore.openExisting(directory: harness.state))
        #expect(try Ledger(store: store).runs().isEmpty, "a refused start recorded a run")
    }

    @Test("a REST run on the loopback OpenStack with credentials in the request: staged, loaded, kept, then cleaned up over REST with the same credentials; the password is stored nowhere",
          .enabled(if: OpenStackHarness.enabled))
    func restRunOnOpenStack() async throws {
        let credentials = try Self.credentials()
        let password = try #require((credentials["auth"] as? [String: Any])?["password"] as? String)
        let workspace = try OpenStackRunTests.Workspace(networks: 1, vms: 1)
        let simulator = try OpenStackHarness.startSimulator(stateDirectory: workspace.directory.appendingPathComponent("vms"))
        defer { _ = simulator }
        let harness = try await ServerAPITests.Harness()
        let config = try String(contentsOf: workspace.config, encoding: .utf8)
        let started = try harness.request("POST", "/v1/runs", token: harness.operatorToken, json: try Self.json([
            "cloud": "openstack", "config": config, "openstack": credentials, "no_cleanup": true, "label": "rest on openstack",
        ]))
        #expect(started.status == 202, "\(started.body)")
        let runID = try #require(try harness.object(started.body)["run_id"] as? String)
        let deadline = ContinuousClock.now.advanced(by: .seconds(600))
        var view: [String: Any] = [:]
        repeat {
            try await Task.sleep(for: .seconds(1))
            view = try harness.object(try harness.request("GET", "/v1/runs/\(runID)", token: harness.viewerToken).body)
        } while view["live"] as? Bool == true && ContinuousClock.now < deadline
        #expect(view["live"] as? Bool == false, "the run did not end in 600 s: \(view)")
        #expect(view["cloud"] as? String == "openstack" && view["verdict"] as? String == "ok", "\(view)")

        let result = try harness.object(try harness.request("GET", "/v1/runs/\(runID)/result", token: harness.viewerToken).body)
        let stage = try #require((result["kb_result"] as? [[String: Any]])?.first)
        #expect(stage["total_server_vms"] as? Int == 1 && stage["total_client_vms"] as? Int == 1)
        #expect((stage["http_total_req"] as? Int ?? 0) > 0, "no load flowed: \(stage)")

        // Kept: a cleanup without credentials says which cloud's it needs; with them it cleans.
        let store = try #require(try StateStore.openExisting(directory: harness.state))
        let recorded = try Ledger(store: store).resources(run: runID)
        let identities = (projects: Set(recorded.filter { $0.kind == .tenant }.compactMap(\.externalID)),
                          users: Set(recorded.filter { $0.kind == .user }.compactMap(\.externalID)))
        #expect(identities.projects.count == 2 && identities.users.count == 2, "\(identities)")
        let kept = try Ledger(store: store).liveResources(run: runID)
        #expect(!kept.isEmpty, "no_cleanup kept nothing")
        let refused = try harness.request("POST", "/v1/runs/\(runID)/cleanup", token: harness.operatorToken)
        #expect(refused.status == 409 && refused.body.contains("\\\"openstack\\\""), "\(refused.status) \(refused.body)")
        let cleaned = try harness.request("POST", "/v1/runs/\(runID)/cleanup", token: harness.operatorToken,
                                          json: try Self.json(["openstack": credentials]))
        let cleanReply = try harness.object(cleaned.body)
        #expect(cleaned.status == 200 && cleanReply["clean"] as? Bool == true, "\(cleaned.body)")
        #expect(try Ledger(store: store).liveResources(run: runID).isEmpty)
        let left = try await OpenStackHarness.leftovers(runID: runID, projectIDs: identities.projects, userIDs: identities.users)
        #expect(left.isEmpty, "left in the cloud: \(left)")

        // The secret went to Keystone only: not in the state folder's files, not in the run folder.
        let files = FileManager.default.enumerator(at: harness.state, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let bytes = try Data(contentsOf: file)
            #expect(bytes.range(of: Data(password.utf8)) == nil, "the password is in \(file.path)")
        }
    }
}
