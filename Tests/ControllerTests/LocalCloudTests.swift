@testable import Controller
import Foundation
import Proto
import Testing

@Suite("LocalCloud: topology on loopback and agent user data")
struct LocalCloudTests {
    private func server(tenants: Int, routers: Int, networks: Int, vms: Int) throws -> Configuration.Server {
        let yaml = """
            server:
              number_tenants: \(tenants)
              routers_per_tenant: \(routers)
              networks_per_router: \(networks)
              vms_per_network: \(vms)
            """
        return try ConfigurationLoader().load(sources: [ConfigurationSource(name: "t.yaml", text: yaml)]).server
    }

    @Test("tenants × routers × networks × VMs give distinct addresses, 1:1 pairs and ids with the run id")
    func topology() throws {
        let runID = "kb-20261122-0836-ab12"
        let plan = try RunTopology(
            server: try server(tenants: 2, routers: 2, networks: 3, vms: 2), runID: runID, addresses: LoopbackAddresses())
        #expect(plan.servers.count == 24)
        #expect(plan.clients.count == 24)
        let addresses = plan.agents.map(\.address)
        #expect(Set(addresses).count == 48)
        #expect(addresses.allSatisfy { $0.hasPrefix("127.") && !$0.hasPrefix("127.0.") })
        #expect(Set(plan.agents.map(\.id)).count == 48)
        #expect(plan.agents.allSatisfy { $0.id.hasPrefix(runID + "-") })
        #expect(plan.servers[0].id == "\(runID)-srv-0")
        #expect(plan.clients[23].id == "\(runID)-cli-23")
        for (client, server) in zip(plan.clients, plan.servers) {
            #expect(client.peerID == server.id)
            #expect(server.peerID == client.id)
            #expect(plan.server(of: client) == server)
            #expect(client.tenant == server.tenant && client.network == server.network && client.vm == server.vm)
        }
        // Tenant 1, router 1, network 2, VM 1: the last server; networks numbered across routers.
        #expect(plan.servers[23].address == "127.2.5.3")
    }

    @Test("a topology that does not fit on loopback fails naming the key")
    func tooManyTenants() throws {
        #expect {
            _ = try RunTopology(server: try server(tenants: 200, routers: 1, networks: 1, vms: 1), runID: "kb-20261122-0836-ab12", addresses: LoopbackAddresses())
        } throws: { "\($0)".contains("server.number_tenants") }
    }

    @Test("user data is written 0600 with the protocol's keys, endpoints and the agent's own key pair")
    func userData() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kb-ud-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try CurveKeyPair.generate()
        let agent = try CurveKeyPair.generate()
        let data = AgentUserData(
            runID: "kb-20261122-0836-ab12", agentID: "kb-20261122-0836-ab12-cli-0", role: .httpClient, address: "127.2.0.2",
            controller: .init(pubEndpoint: "tcp://127.0.0.1:40001", routerEndpoint: "tcp://127.0.0.1:40002", serverPublicKey: server.publicKey),
            keys: agent, workDirectory: folder.appendingPathComponent("w").path)
        let file = folder.appendingPathComponent("agent.json")
        try data.write(to: file)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(Set(object.keys) == ["run_id", "agent_id", "role", "address", "controller", "keys", "work_dir"])
        #expect(object["role"] as? String == "http-client")
        let controller = try #require(object["controller"] as? [String: String])
        #expect(controller == ["pub_endpoint": "tcp://127.0.0.1:40001", "router_endpoint": "tcp://127.0.0.1:40002", "server_public_key": server.publicKey])
        let keys = try #require(object["keys"] as? [String: String])
        #expect(keys == ["public": agent.publicKey, "secret": agent.secretKey])
        // The keys written are a matching pair the agent can use.
        _ = try CurveKeyPair(publicKey: keys["public"]!, secretKey: keys["secret"]!)
    }

    @Test("the agent binary is found from the option, the environment, or next to kloudbuster")
    func agentBinary() throws {
        #expect(try AgentBinary.locate(option: "/bin/sh") == "/bin/sh")
        #expect(try AgentBinary.locate(option: nil, environment: ["KB_AGENT_BINARY": "/bin/sh"]) == "/bin/sh")
        #expect(throws: LocalCloudError.self) {
            try AgentBinary.locate(option: nil, environment: [:], executable: "/nonexistent/kloudbuster")
        }
    }
}
