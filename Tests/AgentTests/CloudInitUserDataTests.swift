@testable import Agent
import Foundation
import KBTestSupport
import Proto
import Testing
import Yams

/// The file deploy/cloud-init/user-data.yaml writes is user data the agent accepts as it
/// accepts the controller's (`kb-agent run --userdata /etc/kb-agent/userdata.json`), and a
/// placeholder left unfilled is caught by the agent's checks, naming the key.
@Suite("deploy/cloud-init template, as the agent reads it")
struct CloudInitUserDataTests {
    static let template = NginxServer.repository.appendingPathComponent("deploy/cloud-init/user-data.yaml")

    /// The template with `values` filled in, and the content of the file it writes.
    static func writtenFile(_ values: [String: String]) throws -> String {
        let text = values.reduce(try String(contentsOf: template, encoding: .utf8)) {
            $0.replacingOccurrences(of: "${\($1.key)}", with: $1.value)
        }
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let file = try #require((document["write_files"] as? [[String: Any]])?.first)
        #expect(file["path"] as? String == "/etc/kb-agent/userdata.json")
        return try #require(file["content"] as? String)
    }

    static func values() throws -> [String: String] {
        let keys = try CurveKeyPair.generate()
        return [
            "KB_RUN_ID": "kb-20261122-0836-ab12", "KB_AGENT_ID": "kb-20261122-0836-ab12-cli-0", "KB_ROLE": "http-client",
            "KB_ADDRESS": "10.2.0.7", "KB_PUB_ENDPOINT": "tcp://192.0.2.10:40001", "KB_ROUTER_ENDPOINT": "tcp://192.0.2.10:40002",
            "KB_SERVER_PUBLIC_KEY": try CurveKeyPair.generate().publicKey, "KB_PUBLIC_KEY": keys.publicKey, "KB_SECRET_KEY": keys.secretKey,
            "KB_WORK_DIR": "/var/lib/kb-agent/kb-20261122-0836-ab12-cli-0",
        ]
    }

    @Test("filled in, the written file parses as the agent's user data with every value")
    func agentAcceptsIt() throws {
        let values = try Self.values()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kb-cloudinit-\(UUID().uuidString.prefix(8)).json").path
        try Self.writtenFile(values).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let userData = try UserData(try UserData.fields(file: path), source: path)
        #expect(userData.runID == values["KB_RUN_ID"] && userData.agentID == values["KB_AGENT_ID"])
        #expect(userData.role == .httpClient && userData.address == values["KB_ADDRESS"])
        #expect(userData.pubEndpoint == values["KB_PUB_ENDPOINT"] && userData.routerEndpoint == values["KB_ROUTER_ENDPOINT"])
        #expect(userData.serverPublicKey == values["KB_SERVER_PUBLIC_KEY"])
        #expect(userData.keys.publicKey == values["KB_PUBLIC_KEY"] && userData.keys.secretKey == values["KB_SECRET_KEY"])
        #expect(userData.workDir == values["KB_WORK_DIR"])
    }

    @Test("a placeholder left as is fails the agent's check of that key")
    func unfilledPlaceholderIsCaught() throws {
        var values = try Self.values()
        values["KB_ADDRESS"] = nil
        let content = try Self.writtenFile(values)
        let error = #expect(throws: UserDataError.self) {
            try UserData(try UserData.fields(json: Array(content.utf8), source: "userdata.json"), source: "userdata.json")
        }
        #expect("\(error.map(String.init(describing:)) ?? "")".contains("address"), "\(String(describing: error))")
    }
}
