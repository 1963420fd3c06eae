@testable import Controller
import Foundation
import KBTestSupport
import Proto
import Testing
import Yams

/// deploy/cloud-init/user-data.yaml is what the controller sends, as cloud-init would write
/// it: a #cloud-config whose one file is /etc/kb-agent/userdata.json, private, and whose JSON,
/// once the placeholders are filled, is exactly the controller's `AgentUserData`.
/// (Tests/AgentTests/CloudInitUserDataTests.swift checks that the agent accepts it.)
@Suite("deploy/cloud-init template")
struct DeployCloudInitTests {
    static let template = NginxServer.repository.appendingPathComponent("deploy/cloud-init/user-data.yaml")

    /// Every `${KB_...}` placeholder of `text`.
    static func placeholders(_ text: String) -> Set<String> {
        Set(text.matches(of: /\$\{(KB_[A-Z_]+)\}/).map { String($0.output.1) })
    }

    /// `text` with each `${NAME}` replaced by `values[NAME]`.
    static func fill(_ text: String, _ values: [String: String]) -> String {
        values.reduce(text) { $0.replacingOccurrences(of: "${\($1.key)}", with: $1.value) }
    }

    @Test("filled with a controller's user data, the written file decodes to that same AgentUserData")
    func equalsTheControllersUserData() throws {
        let text = try String(contentsOf: Self.template, encoding: .utf8)
        #expect(text.hasPrefix("#cloud-config\n"), "cloud-init reads only a file whose first line is #cloud-config")
        let sent = AgentUserData(
            runID: "kb-20261122-0836-ab12", agentID: "kb-20261122-0836-ab12-srv-0", role: .httpServer, address: "10.1.0.5",
            controller: .init(pubEndpoint: "tcp://192.0.2.10:40001", routerEndpoint: "tcp://192.0.2.10:40002",
                              serverPublicKey: try CurveKeyPair.generate().publicKey),
            keys: try CurveKeyPair.generate(), workDirectory: "\(OpenStackCloud.agentWorkRoot)/kb-20261122-0836-ab12-srv-0")
        let values = [
            "KB_RUN_ID": sent.runID, "KB_AGENT_ID": sent.agentID, "KB_ROLE": sent.role, "KB_ADDRESS": sent.address,
            "KB_PUB_ENDPOINT": sent.controller.pubEndpoint, "KB_ROUTER_ENDPOINT": sent.controller.routerEndpoint,
            "KB_SERVER_PUBLIC_KEY": sent.controller.serverPublicKey, "KB_PUBLIC_KEY": sent.keys.public,
            "KB_SECRET_KEY": sent.keys.secret, "KB_WORK_DIR": sent.workDirectory,
        ]
        #expect(Self.placeholders(text) == Set(values.keys))
        // Each placeholder is explained in the header comment.
        let comments = text.split(separator: "\n").filter { $0.hasPrefix("#") }.joined(separator: "\n")
        for name in values.keys { #expect(comments.contains("#   \(name) "), "\(name) is not documented") }

        let document = try #require(try Yams.load(yaml: Self.fill(text, values)) as? [String: Any])
        #expect(Set(document.keys) == ["write_files"], "the template only writes the file")
        let files = try #require(document["write_files"] as? [[String: Any]])
        #expect(files.count == 1)
        let file = try #require(files.first)
        #expect(file["path"] as? String == "/etc/kb-agent/userdata.json")
        #expect(file["permissions"] as? String == "0600", "it holds the agent's secret key")
        #expect(file["owner"] as? String == "root:root")
        let content = try #require(file["content"] as? String)
        let written = try JSONDecoder().decode(AgentUserData.self, from: Data(content.utf8))
        #expect(written == sent)
        // The same keys as the controller's JSON, none more.
        let keys = { (data: Data) in (try JSONSerialization.jsonObject(with: data) as? [String: Any]).map { Set($0.keys) } }
        #expect(try keys(Data(content.utf8)) == keys(try sent.jsonData()))
    }
}
