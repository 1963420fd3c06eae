@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// `kloudbuster image upload` against the real Glance of `scripts/openstack-local.sh`: what it
/// leaves in Glance is read back through Glance's own API (raw calls, not `ImageAPI`), and the
/// checksums are compared with coreutils', not with the digests the upload computed.
@Suite("kloudbuster image upload on the loopback Glance", .serialized, .enabled(if: OpenStackHarness.enabled))
struct ImageUploadLiveTests {
    /// A folder with the test's files; a name of its own in Glance.
    struct Workspace {
        let directory: URL
        let name: String

        init() throws {
            let tag = UUID().uuidString.prefix(8).lowercased()
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-upload-\(tag)")
            name = "kbtest-upload-\(tag)"
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        /// `kloudbuster image upload FILE --name NAME --rc <harness> <arguments>`.
        func start(_ file: String, _ arguments: [String] = []) throws -> ChildProcess {
            try ChildProcess(
                RunEndToEndTests.Binaries.kloudbuster,
                ["image", "upload", file, "--name", name, "--rc", OpenStackHarness.openrc.path] + arguments)
        }

        func upload(_ file: String, _ arguments: [String] = []) async throws -> ChildProcess.Result {
            await (try start(file, arguments)).wait(timeout: 300)
        }

        /// A qcow2 file of `size` made by qemu-img.
        func qcow2(_ fileName: String, size: String) throws -> String {
            let path = directory.appendingPathComponent(fileName).path
            let made = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/qemu-img"), ["create", "-f", "qcow2", path, size], timeout: 60)
            try #require(made.status == 0, "qemu-img (Debian qemu-utils) is needed: \(made.stderr)")
            return path
        }

        /// A raw file of `megabytes` random MiB.
        func randomRaw(_ fileName: String, megabytes: Int) throws -> String {
            let url = directory.appendingPathComponent(fileName)
            var generator = SystemRandomNumberGenerator()
            try Data((0..<megabytes << 20).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: url)
            return url.path
        }
    }

    /// Every image named `name`, as Glance's API lists them to the admin (who sees all).
    static func glanceImages(named name: String) async throws -> [JSONValue] {
        let reply = try await OpenStackHarness.adminSession().json(APIRequest(
            .image, "GET", "images", query: [URLQueryItem(name: "name", value: name)], operation: "list images \(name)"))
        return reply["images"]?.array ?? []
    }

    /// Deletes what is left of `name` and returns how many there were.
    static func deleteAll(named name: String) async throws -> Int {
        let session = try OpenStackHarness.adminSession()
        let found = try await glanceImages(named: name)
        for image in found {
            guard let id = image["id"]?.string else { continue }
            _ = try await session.send(APIRequest(.image, "DELETE", "images/\(id)", operation: "delete \(id)", expect: [204, 404]))
        }
        return found.count
    }

    /// Glance's file store (scripts/openstack/configs.sh): one file per image, written as the
    /// data arrives.
    static let store = NginxServer.repository.appendingPathComponent(".openstack/data/glance/images")

    /// Waits until Glance's store holds a file not in `before` with at least `bytes` in it:
    /// data is flowing. (Glance's API cannot say so: the harness runs it with one uWSGI
    /// thread, which the upload keeps busy.)
    static func waitForData(besides before: Set<String>, bytes: Int, timeout: Double = 60) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: store.path)) ?? [] where !before.contains(name) {
                let size = (try? FileManager.default.attributesOfItem(atPath: store.appendingPathComponent(name).path)[.size] as? Int) ?? 0
                if size >= bytes { return true }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// The files in Glance's store now.
    static func storeFiles() -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: store.path)) ?? [])
    }

    /// The `id: ...` line of the command's output.
    static func id(in stdout: String) -> String? {
        stdout.split(separator: "\n").first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
    }

    /// coreutils' digest of `path`.
    static func digest(_ tool: String, _ path: String) throws -> String {
        let result = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/\(tool)"), [path], timeout: 120)
        return String(result.stdout.prefix { $0 != " " })
    }

    /// The preflight of `run --cloud openstack` with `image_name: name`, as admin: what it
    /// found for the server side.
    static func preflightImage(_ name: String, in directory: URL) async throws -> String? {
        let config = directory.appendingPathComponent("config.yaml")
        try """
            image_name: \(name)
            server:
              flavor: {vcpus: 1, ram: 512, disk: 1}
              number_tenants: 1
              routers_per_tenant: 1
              networks_per_router: 1
              vms_per_network: 1
            client:
              flavor: {vcpus: 1, ram: 512, disk: 1}
            """.write(to: config, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader().load(files: [config.path])
        let ledger = Ledger(store: try StateStore(directory: directory.appendingPathComponent("state")))
        let run = try ledger.newRun(label: nil, cloud: "openstack", configYAML: configuration.effectiveYAML())
        let topology = try RunTopology(server: configuration.server, runID: run.id, addresses: TenantNetworkAddresses())
        let session = try OpenStackHarness.adminSession()
        let stager = OpenStackStager(
            plan: OpenStackPlan(topology: topology, server: configuration.server), configuration: configuration,
            server: .init(session: session, cloudName: "openstack"), client: .init(session: session, cloudName: "openstack"),
            reuse: nil, ledger: ledger, progress: { _ in })
        try await stager.preflight()
        return await stager.checked.imageID[.server]
    }

    @Test("upload a qcow2: active in Glance with coreutils' md5 and sha512; again is a no-op; other data is refused without --force and replaces with it; run's preflight finds it; nothing left")
    func uploadCheckReuploadReplace() async throws {
        let workspace = try Workspace()
        // make test names image/out/kloudbuster-agent.qcow2, a symlink: its size is the link's.
        let agentImage = ProcessInfo.processInfo.environment["KB_AGENT_IMAGE"]
            .map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
            .flatMap { FileManager.default.isReadableFile(atPath: $0) ? $0 : nil }
        let file = try agentImage ?? workspace.qcow2("agent.qcow2", size: "64M")
        let fileSize = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)

        let started = ContinuousClock.now
        let first = try await workspace.upload(file)
        let elapsed = ContinuousClock.now - started
        #expect(first.status == 0, "stdout:\n\(first.stdout)\nstderr:\n\(first.stderr)")
        let id = try #require(Self.id(in: first.stdout), "no id line in:\n\(first.stdout)")
        print("image upload: \(file) (\(fileSize) bytes) in \(elapsed)")

        let shown = try await OpenStackHarness.adminSession().json(APIRequest(.image, "GET", "images/\(id)", operation: "show \(id)"))
        #expect(shown["status"]?.string == "active")
        #expect(shown["name"]?.string == workspace.name)
        #expect(shown["size"]?.int == fileSize)
        #expect(shown["disk_format"]?.string == "qcow2")
        #expect(shown["visibility"]?.string == "community")
        #expect(shown["checksum"]?.string == (try Self.digest("md5sum", file)))
        #expect(shown["os_hash_algo"]?.string == "sha512")
        #expect(shown["os_hash_value"]?.string == (try Self.digest("sha512sum", file)))
        #expect(first.stdout.contains("checksum: \(try Self.digest("md5sum", file))"))

        // The same file again: nothing uploaded, still one image.
        let again = try await workspace.upload(file)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("nothing uploaded") && Self.id(in: again.stdout) == id, "\(again.stdout)")
        #expect(try await Self.glanceImages(named: workspace.name).compactMap { $0["id"]?.string } == [id])

        // Other data under the name: refused, naming the image in the way and --force.
        let other = try workspace.qcow2("other.qcow2", size: "32M")
        let refused = try await workspace.upload(other)
        #expect(refused.status == 1, "\(refused.stdout)\n\(refused.stderr)")
        #expect(refused.stderr.contains(id) && refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(try await Self.glanceImages(named: workspace.name).compactMap { $0["id"]?.string } == [id])

        // With --force: a new image, the old one gone; both ids named.
        let replaced = try await workspace.upload(other, ["--force"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        let newID = try #require(Self.id(in: replaced.stdout))
        #expect(newID != id && replaced.stdout.contains("replaced \(id)"), "\(replaced.stdout)")
        #expect(try await Self.glanceImages(named: workspace.name).compactMap { $0["id"]?.string } == [newID])
        let old = try await OpenStackHarness.adminSession().send(APIRequest(.image, "GET", "images/\(id)", operation: "show \(id)", expect: [200, 404]))
        #expect(old.status == 404)

        // `run --cloud openstack` finds it by name in its preflight.
        #expect(try await Self.preflightImage(workspace.name, in: workspace.directory) == newID)

        #expect(try await Self.deleteAll(named: workspace.name) == 1)
        #expect(try await Self.glanceImages(named: workspace.name).isEmpty)
    }

    @Test("the preflight's message for a missing image names `kloudbuster image upload`")
    func preflightNamesTheCommand() async throws {
        let workspace = try Workspace()
        let error = await #expect(throws: OpenStackPlanError.self) { try await Self.preflightImage(workspace.name, in: workspace.directory) }
        let text = error?.description ?? ""
        #expect(text.contains("no image named \(workspace.name)"), "\(text)")
        #expect(text.contains("`kloudbuster image upload kloudbuster-agent-\(KloudBuster.version).qcow2 --name \(workspace.name)`"), "\(text)")
    }

    @Test("SIGINT during a slow upload exits 130, keeps the image it would replace, and leaves no new image in Glance")
    func interruptDeletesThePartialImage() async throws {
        let workspace = try Workspace()
        let kept = try workspace.qcow2("kept.qcow2", size: "16M")
        let first = try await workspace.upload(kept)
        try #require(first.status == 0, "\(first.stderr)")
        let keptID = try #require(Self.id(in: first.stdout))
        let file = try workspace.randomRaw("slow.raw", megabytes: 8)
        let before = Self.storeFiles()
        let upload = try workspace.start(file, ["--force", "--limit-rate", "1M"])
        // Interrupt once Glance is receiving the new image's data.
        try #require(try await Self.waitForData(besides: before, bytes: 1 << 20), "no data reached Glance's store")
        kill(upload.pid, SIGINT)
        let result = await upload.wait(timeout: 60)
        #expect(result.status == 130, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("deleted the new image"), "\(result.stderr)")
        #expect(try await Self.glanceImages(named: workspace.name).compactMap { $0["id"]?.string } == [keptID])
        #expect(Self.storeFiles().subtracting(before).isEmpty, "the partial data was left in Glance's store")
        #expect(try await Self.deleteAll(named: workspace.name) == 1)
    }

    @Test("a file changed while it is sent: Glance's checksum differs, the image is deleted, exit 1")
    func changedFileIsCaught() async throws {
        let workspace = try Workspace()
        let file = try workspace.randomRaw("changing.raw", megabytes: 6)
        let before = Self.storeFiles()
        let upload = try workspace.start(file, ["--limit-rate", "1M"])
        try #require(try await Self.waitForData(besides: before, bytes: 1), "no data reached Glance's store")
        // The digests were computed before the image was created; the tail is not sent yet.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.seek(toOffset: 4 << 20)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 2 << 20))
        try handle.close()
        let result = await upload.wait(timeout: 120)
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("differs from \(file)") && result.stderr.contains("md5"), "\(result.stderr)")
        #expect(try await Self.glanceImages(named: workspace.name).isEmpty, "the mismatching image was left in Glance")
        #expect(Self.storeFiles().subtracting(before).isEmpty, "its data was left in Glance's store")
    }
}
