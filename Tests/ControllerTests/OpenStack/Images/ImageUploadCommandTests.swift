@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// `kloudbuster image upload` as the operator types it: the defaults `run` relies on, and a bad
/// file refused with status 2 before any credential is read or any call is made.
@Suite("kloudbuster image upload: options and bad files")
struct ImageUploadCommandTests {
    @Test("defaults: the name run looks for, community visibility, the format from the file")
    func defaults() throws {
        // Parsing validates: the file must exist.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kb-upload-opts-\(UUID().uuidString.prefix(8)).img").path
        _ = FileManager.default.createFile(atPath: file, contents: Data(count: 4096))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let command = try #require(try KloudBusterCommand.parseAsRoot(["image", "upload", file]) as? ImageUploadCommand)
        #expect(command.name == OpenStackStager.defaultImageName)
        #expect(command.visibility == .community && command.visibility.isBootableByNewProjects)
        #expect(command.diskFormat == nil && !command.force && command.timeout.duration == .seconds(300))
        let given = try #require(try KloudBusterCommand.parseAsRoot([
            "image", "upload", file, "--name", "n", "--disk-format", "raw", "--visibility", "public", "--force", "--limit-rate", "2M",
        ]) as? ImageUploadCommand)
        #expect(given.name == "n" && given.diskFormat == .raw && given.visibility == .public && given.force)
        #expect(given.limitRate?.bytesPerSecond == 2 << 20)
        #expect(throws: (any Error).self) { try KloudBusterCommand.parseAsRoot(["image", "upload", file, "--visibility", "everyone"]) }
    }

    /// Runs the binary with no OpenStack variables at all: a check that reached credentials
    /// would fail on OS_AUTH_URL instead of naming the file.
    func upload(_ arguments: [String], asNobody: Bool = false) async throws -> ChildProcess.Result {
        let binary = RunEndToEndTests.Binaries.kloudbuster
        if asNobody {
            return await (try ChildProcess(
                URL(fileURLWithPath: "/usr/bin/setpriv"),
                ["--reuid=65534", "--regid=65534", "--clear-groups", binary.path, "image", "upload"] + arguments,
                environment: ["PATH": "/usr/bin:/bin"])).wait(timeout: 30)
        }
        return await (try ChildProcess(binary, ["image", "upload"] + arguments, environment: ["PATH": "/usr/bin:/bin"])).wait(timeout: 30)
    }

    @Test("a missing file, a directory, an empty file and a contradicting --disk-format exit 2 naming the file")
    func badFiles() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-upload-cli-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let empty = directory.appendingPathComponent("empty.qcow2").path
        let raw = directory.appendingPathComponent("disk.raw").path
        _ = FileManager.default.createFile(atPath: empty, contents: nil)
        _ = FileManager.default.createFile(atPath: raw, contents: Data(count: 4096))
        let cases: [([String], String)] = [
            ([directory.appendingPathComponent("missing.qcow2").path], "missing.qcow2: no such file or directory"),
            ([directory.path], "\(directory.path): is a directory"),
            ([empty], "empty.qcow2: is empty"),
            ([raw, "--disk-format", "qcow2"], "disk.raw: is not a qcow2 image"),
        ]
        for (arguments, message) in cases {
            let result = try await upload(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("kloudbuster: error: cannot upload image file") && result.stderr.contains(message), "\(result.stderr)")
            #expect(!result.stderr.contains("OS_AUTH_URL"), "credentials were read before the file was checked")
        }
    }

    @Test("a file this user cannot read exits 2 with permission denied (as root: run as nobody)")
    func unreadable() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kb-unreadable-\(UUID().uuidString.prefix(8)).qcow2").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(count: 4096), attributes: [.posixPermissions: 0o000])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let asRoot = getuid() == 0
        if asRoot {
            // Root reads any file; nobody must also be able to run the binary, or the test
            // would pass on the wrong error.
            try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "setpriv (util-linux) is needed to drop root")
        }
        let result = try await upload([path], asNobody: asRoot)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("cannot upload image file \(path): permission denied"), "\(result.stderr)")
    }
}
