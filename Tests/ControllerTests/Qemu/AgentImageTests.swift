import Foundation
import KBTestSupport
import Proto
import Testing

/// What is inside the image `make image` built, read from its file system.
@Suite("The agent image", .enabled(if: AgentImage.enabled), .serialized)
struct AgentImageTests {
    @Test("no account has a password, kb-agent loads only libraries of the image's packages, the unit is enabled")
    func contents() throws {
        try AgentImage.withRootFileSystem { root in
            let shadow = try String(contentsOf: root.appendingPathComponent("etc/shadow"), encoding: .utf8)
            let accounts = shadow.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false) }
            #expect(accounts.count > 5)
            let withPassword = accounts.filter { fields in fields.count > 1 && !fields[1].allSatisfy { $0 == "*" || $0 == "!" } }
            #expect(withPassword.isEmpty, "accounts with a password: \(withPassword.map { $0[0] })")
            let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
            let people = passwd.split(separator: "\n").filter { line in
                let uid = line.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first.flatMap { Int($0) } ?? 0
                return uid >= 1000 && uid < 65534
            }
            #expect(people.isEmpty, "a default user: \(people)")

            let agent = root.appendingPathComponent("usr/local/bin/kb-agent")
            #expect(FileManager.default.isExecutableFile(atPath: agent.path))
            // ldd and dpkg of the image itself, in a chroot of the read-only mount.
            let ldd = try AgentImage.sh("chroot", [root.path, "/usr/bin/ldd", "/usr/local/bin/kb-agent"])
            #expect(!ldd.contains("not found"), "\(ldd)")
            #expect(!ldd.contains("swift"), "the Swift runtime is linked statically: \(ldd)")
            let libraries = ldd.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(whereSeparator: \.isWhitespace)
                if let arrow = fields.firstIndex(of: "=>"), arrow + 1 < fields.count, fields[arrow + 1].hasPrefix("/") { return String(fields[arrow + 1]) }
                return fields.first.flatMap { $0.hasPrefix("/") ? String($0) : nil }
            }
            #expect(libraries.count >= 5)
            let manifest = try String(contentsOf: AgentImage.require().deletingPathExtension().appendingPathExtension("manifest"), encoding: .utf8)
            let packages = Set(manifest.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
            for library in libraries {
                let real = try AgentImage.sh("chroot", [root.path, "/usr/bin/readlink", "-f", library]).trimmingCharacters(in: .whitespacesAndNewlines)
                // Merged /usr: dpkg knows a library by the path its package ships, either one.
                let search = (try? AgentImage.sh("chroot", [root.path, "/usr/bin/dpkg", "-S", library]))
                    ?? (try? AgentImage.sh("chroot", [root.path, "/usr/bin/dpkg", "-S", real])) ?? ""
                let owner = search.split(separator: ":").first.map(String.init) ?? ""
                #expect(packages.contains(owner), "\(library) (\(real)) belongs to \(owner), not in the manifest")
            }
            for package in ["nginx", "libzmq5", "libsodium23", "libssl3", "zlib1g", "libdeflate0"] {
                #expect(packages.contains(package), "\(package) is not in the image")
            }
            let wants = root.appendingPathComponent("etc/systemd/system/multi-user.target.wants/kb-agent.service")
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: wants.path)) != nil, "kb-agent.service is not enabled")
            let nginx = try? FileManager.default.destinationOfSymbolicLink(atPath: root.appendingPathComponent("etc/systemd/system/nginx.service").path)
            #expect(nginx == "/dev/null", "nginx.service is not masked")
            let hostKeys = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("etc/ssh").path).filter { $0.hasPrefix("ssh_host_") }
            #expect(hostKeys.isEmpty, "the image ships SSH host keys every VM would share: \(hostKeys)")
        }
    }

    @Test("the checksum file next to the image matches it")
    func checksum() throws {
        let image = try AgentImage.require()
        let recorded = try String(contentsOf: URL(fileURLWithPath: image.path + ".sha256"), encoding: .utf8)
        let actual = try AgentImage.sh("sha256sum", [image.path], timeout: 120)
        #expect(recorded.split(separator: " ").first == actual.split(separator: " ").first)
        #expect(recorded.contains(image.lastPathComponent))
    }

    @Test("without a config drive the start script takes the metadata service's user data, and the image's agent says Hello over CURVE")
    func metadataServiceUserData() async throws {
        // The image's own script, python and kb-agent, chrooted into its read-only root with
        // what a booted VM has writable. Nova's metadata API is not part of the harness:
        // python's http.server stands in for it, serving the same two paths.
        let image = try AgentImage.MountedRoot()
        defer { image.unmount() }
        for path in ["run", "tmp", "root", "dev"] { try image.mount("tmpfs", at: path) }
        try image.mount("proc", at: "proc")
        for (node, minor) in [("null", 3), ("zero", 5), ("random", 8), ("urandom", 9)] {
            let path = image.root.appendingPathComponent("dev/\(node)").path
            try AgentImage.sh("mknod", ["-m", "666", path, "c", "1", String(minor)])
        }

        let serverKeys = try CurveKeyPair.generate(), agentKeys = try CurveKeyPair.generate()
        let link = try ControllerLink(serverKeys: serverKeys)
        defer { link.close() }
        try link.admit(publicKey: agentKeys.publicKey)
        let runID = "kb-test-\(UInt32.random(in: 0...UInt32.max))", agentID = "\(runID)-cli-0"
        let userData: [String: Any] = [
            "run_id": runID, "agent_id": agentID, "role": "http-client", "address": "127.0.0.1",
            "controller": ["pub_endpoint": link.pubEndpoint, "router_endpoint": link.routerEndpoint, "server_public_key": serverKeys.publicKey],
            "keys": ["public": agentKeys.publicKey, "secret": agentKeys.secretKey],
            "work_dir": "/run/kb-agent/work",
        ]
        let site = FileManager.default.temporaryDirectory.appendingPathComponent("kb-metadata-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: site) }
        let latest = site.appendingPathComponent("openstack/latest")
        try FileManager.default.createDirectory(at: latest, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: userData).write(to: latest.appendingPathComponent("user_data"))
        let sshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKbTestKeyOnlyForThisTest operator@test"
        try JSONSerialization.data(withJSONObject: ["uuid": "0", "public_keys": ["operator": sshKey]])
            .write(to: latest.appendingPathComponent("meta_data.json"))
        let port = try ClosedPort.reserve()
        let metadata = try ChildProcess(URL(fileURLWithPath: "/usr/bin/python3"),
                                        ["-m", "http.server", "--bind", "127.0.0.1", "--directory", site.path, String(port)])
        defer { kill(metadata.pid, SIGKILL) }

        let agent = try ChildProcess(URL(fileURLWithPath: "/usr/sbin/chroot"), [
            image.root.path, "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            "KB_METADATA_URL=http://127.0.0.1:\(port)/openstack/latest", "/usr/local/libexec/kb-agent-start",
        ])
        defer { kill(agent.pid, SIGKILL) }

        // The script waits 10 s for a config drive that never comes, then asks the service.
        let listening = Task { () -> (Kb_V1_Hello, String?)? in
            for await frame in link.incoming {
                if let envelope = try? WireCodec.decode(frame.payload, runID: runID), case .hello(let body) = envelope.body {
                    return (body, frame.publicKey)
                }
            }
            return nil
        }
        let timeout = Task { try await Task.sleep(for: .seconds(60)); listening.cancel() }
        let hello = await listening.value
        timeout.cancel()
        let stderr = await agent.wait(timeout: 0).stderr
        let (found, publicKey) = try #require(hello, "no Hello from the chrooted agent within 60 s; its stderr: \(stderr)")
        #expect(found.agentID == agentID)
        #expect(found.role == "http-client")
        #expect(publicKey == agentKeys.publicKey)
        #expect(stderr.contains("user data from the metadata service http://127.0.0.1:\(port)/openstack/latest"), "\(stderr)")
        let keys = try String(contentsOf: image.root.appendingPathComponent("root/.ssh/authorized_keys"), encoding: .utf8)
        #expect(keys == sshKey + "\n")
    }
}
