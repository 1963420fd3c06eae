import ArgumentParser
import Controller
import Foundation
import Testing
import Yams
@testable import Server

/// docs/openapi.yaml is the contract: every route the server has is in it, every operation it
/// documents exists, and the binary serves the document as committed.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// "GET /v1/runs/{id}" for every operation of the document.
    static func documented() throws -> Set<String> {
        let text = try String(contentsOf: repository.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        var operations: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    /// The same for the router, with `:id` written `{id}`.
    static func routed() throws -> Set<String> {
        let store = try StateStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("kb-openapi-\(UUID().uuidString.prefix(8))"))
        let server = KloudBusterServer(settings: .init(), store: store)
        let router = server.router(runs: RunManager(store: store, agentBinary: nil, logger: .init(label: "test")))
        return Set(router.routes.map { route in
            let path = "\(route.path)".split(separator: "/", omittingEmptySubsequences: false).map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
            return "\(route.method.rawValue) \(path.isEmpty ? "/" : path)"
        })
    }

    @Test("every route is documented and every documented operation is routed")
    func routesMatchTheDocument() throws {
        let documented = try Self.documented()
        let routed = try Self.routed()
        #expect(routed.subtracting(documented).sorted() == [], "routes missing from docs/openapi.yaml")
        #expect(documented.subtracting(routed).sorted() == [], "documented operations the server lacks")
        #expect(routed.count >= 15)
    }

    @Test("the binary serves docs/openapi.yaml and Sources/Server/UI as committed (run scripts/embed-server-files.sh)")
    func embeddedFilesAreCurrent() throws {
        let document = try String(contentsOf: Self.repository.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        #expect(EmbeddedFiles.openAPI == document)
        let folder = Self.repository.appendingPathComponent("Sources/Server/UI")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(EmbeddedFiles.ui.keys.sorted() == names)
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(EmbeddedFiles.ui[name] == text, "\(name) is stale in EmbeddedFiles.swift")
        }
    }

    @Test("the access policy: reads need a viewer, changes an operator; validate and compare change nothing")
    func accessPolicy() {
        #expect(AccessPolicy.role(for: .get, path: "/v1/runs") == .viewer)
        #expect(AccessPolicy.role(for: .post, path: "/v1/runs") == .operator)
        #expect(AccessPolicy.role(for: .post, path: "/v1/runs/kb-20261203-0900-abcd/stop") == .operator)
        #expect(AccessPolicy.role(for: .post, path: "/v1/config/validate") == .viewer)
        #expect(!AccessPolicy.isOpen("/v1/runs"))
        #expect(AccessPolicy.isOpen("/openapi.yaml"))
        #expect(APIRole.operator.includes(.viewer))
        #expect(!APIRole.viewer.includes(.operator))
    }
}

/// The executable's root lists the server's command beside the library's.
@Suite("kloudbuster serve on the command line")
struct ServeCommandLineTests {
    @Test("an unknown command lists serve; --port and --host are checked before anything opens")
    func commandLine() throws {
        let root = KloudBusterCommand.configuration(adding: [ServeCommand.self])
        #expect(root.subcommands.map { $0.configuration.commandName } .contains("serve"))
        #expect(throws: (any Error).self) { try ServeCommand.parse(["--port", "70000"]) }
        #expect(throws: (any Error).self) { try ServeCommand.parse(["--host", "localhost"]) }
        let serve = try ServeCommand.parse([])
        #expect(serve.host == "127.0.0.1", "the server binds loopback unless told otherwise")
        #expect(serve.port == 8080)
    }
}

/// deploy/systemd/kloudbuster-serve.service starts the command as it is.
@Suite("the serve unit")
struct ServeUnitTests {
    @Test("the unit's ExecStart parses as kloudbuster serve's options")
    func execStartParses() throws {
        let unit = try String(contentsOf: OpenAPIDocumentTests.repository.appendingPathComponent("deploy/systemd/kloudbuster-serve.service"), encoding: .utf8)
        let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let words = line.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
        #expect(words.first == "/usr/local/bin/kloudbuster")
        #expect(words.dropFirst().first == "serve")
        let options = Array(words.dropFirst(2).filter { !$0.hasPrefix("$") })
        let serve = try ServeCommand.parse(options)
        #expect(serve.host == "127.0.0.1")
        #expect(serve.port == 8090)
    }
}
