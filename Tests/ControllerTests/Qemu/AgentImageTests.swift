import Foundation
import KBTestSupport
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
            for package in ["nginx", "libzmq5", "libsodium23", "libssl3", "zlib1g"] {
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
}
