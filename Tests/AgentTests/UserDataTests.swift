import Foundation
import Testing

@testable import Agent
@testable import Proto

@Suite("UserData: what kb-agent run reads", .serialized)
struct UserDataTests {
    private static let keys = try! CurveKeyPair.generate()
    private static let server = try! CurveKeyPair.generate()

    private static func object(removing key: String? = nil, replacing: [String: Any] = [:]) -> [String: Any] {
        var object: [String: Any] = [
            "run_id": "kb-20261122-0836-ab12", "agent_id": "kb-20261122-0836-ab12-cli-0", "role": "http-client",
            "address": "127.2.0.3",
            "controller": [
                "pub_endpoint": "tcp://127.0.0.1:40001", "router_endpoint": "tcp://127.0.0.1:40002",
                "server_public_key": server.publicKey,
            ],
            "keys": ["public": keys.publicKey, "secret": keys.secretKey],
            "work_dir": "/tmp/kb-test-work",
        ]
        if let key { object[key] = nil }
        for (key, value) in replacing { object[key] = value }
        return object
    }

    private static func parse(_ object: [String: Any]) throws(UserDataError) -> UserData {
        let bytes = try! JSONSerialization.data(withJSONObject: object)
        return try UserData(UserData.fields(json: Array(bytes), source: "test.json"), source: "test.json")
    }

    @Test("the documented example parses into checked values")
    func parsesExample() throws {
        let userData = try Self.parse(Self.object())
        #expect(userData.role == .httpClient)
        #expect(userData.keys == Self.keys)
        #expect(userData.topics == ["all", "http-client", "kb-20261122-0836-ab12-cli-0"])
    }

    @Test("options override the file's values")
    func optionsOverride() throws {
        let base = try UserData.fields(json: Array(try JSONSerialization.data(withJSONObject: Self.object())), source: "f")
        var overrides = UserData.Fields()
        overrides.address = "127.9.9.9"
        overrides.controller = .init(pubEndpoint: "tcp://10.0.0.1:1")
        let merged = try UserData(base.overridden(by: overrides), source: "f")
        #expect(merged.address == "127.9.9.9")
        #expect(merged.pubEndpoint == "tcp://10.0.0.1:1")
        #expect(merged.routerEndpoint == "tcp://127.0.0.1:40002")
    }

    @Test("every bad value is named by its key", arguments: [
        (nil as String?, ["role": "load-balancer"] as [String: String], "role"),
        ("work_dir", [:], "work_dir"),
        (nil, ["address": "localhost"], "address"),
        (nil, ["run_id": ""], "run_id"),
    ])
    func namesTheKey(removing: String?, replacing: [String: String], key: String) {
        do {
            _ = try Self.parse(Self.object(removing: removing, replacing: replacing))
            Issue.record("accepted a bad \(key)")
        } catch {
            #expect(error.key == key, "\(error)")
            #expect(error.description.hasPrefix("userdata test.json: key \"\(key)\""))
        }
    }

    @Test("a key pair that does not belong together, a short key and a wrong type are refused")
    func badKeys() {
        let other = try! CurveKeyPair.generate()
        let cases: [([String: Any], String)] = [
            (["keys": ["public": other.publicKey, "secret": Self.keys.secretKey]], "keys"),
            (["keys": ["public": "abc", "secret": Self.keys.secretKey]], "keys.public"),
            (["controller": ["pub_endpoint": "tcp://a:1", "router_endpoint": "tcp://a:2", "server_public_key": 42]], "controller.server_public_key"),
            (["controller": ["pub_endpoint": "nowhere", "router_endpoint": "tcp://a:2", "server_public_key": Self.server.publicKey]], "controller.pub_endpoint"),
        ]
        for (replacing, key) in cases {
            do {
                _ = try Self.parse(Self.object(replacing: replacing))
                Issue.record("accepted a bad \(key)")
            } catch {
                #expect(error.key == key, "\(error)")
            }
        }
    }

    @Test("kb-agent run with bad user data prints one line and exits 2", arguments: [
        ("missing", "controller.pub_endpoint"),
        ("malformed", "not a valid JSON object"),
        ("badkey", "keys.secret"),
        ("nofile", "cannot be read"),
    ])
    func binaryExits2(kind: String, expected: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kb-ud-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("userdata.json").path
        var text: String
        switch kind {
        case "missing":
            var object = Self.object()
            object["controller"] = ["router_endpoint": "tcp://127.0.0.1:1", "server_public_key": Self.server.publicKey]
            text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        case "malformed":
            text = "{\"run_id\": \"x\","
        case "badkey":
            text = String(decoding: try JSONSerialization.data(
                withJSONObject: Self.object(replacing: ["keys": ["public": Self.keys.publicKey, "secret": "short"]])), as: UTF8.self)
        default:
            text = ""
        }
        if kind != "nofile" { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        let run = try await KBAgentBinary.start(["run", "--userdata", path]).wait(timeout: 10)
        #expect(!run.timedOut)
        #expect(run.status == 2, "exit \(run.status): \(run.stderr)")
        let lines = run.stderr.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(expected), "\(run.stderr)")
        #expect(!run.stderr.contains(Self.keys.secretKey))
    }
}
