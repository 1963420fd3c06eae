import Foundation
import KBTestSupport

/// The agent image `make image` built, for the tests that boot it or look inside it.
///
/// `make test` builds it first and sets `KB_REQUIRE_QEMU=1`, so there a missing image fails the
/// tests; a plain `swift test` without one skips them.
enum AgentImage {
    /// `$KB_AGENT_IMAGE`, else `image/out/kloudbuster-agent.qcow2` of the repository.
    static var file: URL {
        if let path = ProcessInfo.processInfo.environment["KB_AGENT_IMAGE"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return NginxServer.repository.appendingPathComponent("image/out/kloudbuster-agent.qcow2")
    }

    /// Whether the image must exist (set by `make test`).
    static var isRequired: Bool { ProcessInfo.processInfo.environment["KB_REQUIRE_QEMU"] == "1" }

    /// Whether the image exists.
    static var exists: Bool { FileManager.default.fileExists(atPath: file.path) }

    /// Run the image tests when the image exists or is required (then its absence fails them).
    static var enabled: Bool { exists || isRequired }

    /// The image's path, failing with what to do when it is missing.
    static func require() throws -> URL {
        guard exists else { throw FixtureError("no agent image at \(file.path): run `make image` (make test does)") }
        return file.resolvingSymlinksInPath()
    }

    /// The image's root file system mounted read-only for `body`: the qcow2 converted to a
    /// sparse raw file, its first partition on a loop device.
    static func withRootFileSystem<T>(_ body: (URL) throws -> T) throws -> T {
        let mounted = try MountedRoot()
        defer { mounted.unmount() }
        return try body(mounted.root)
    }

    /// The image's root file system mounted read-only until `unmount()`.
    final class MountedRoot {
        let root: URL
        private var undo: [() -> Void] = []

        init() throws {
            let image = try AgentImage.require()
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("kb-image-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            undo.append { try? FileManager.default.removeItem(at: work) }
            root = work.appendingPathComponent("root")
            do {
                let raw = work.appendingPathComponent("disk.raw")
                try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
                try sh("qemu-img", ["convert", "-O", "raw", image.path, raw.path], timeout: 300)
                let loop = try sh("losetup", ["--show", "-f", "-P", "-r", raw.path]).trimmingCharacters(in: .whitespacesAndNewlines)
                undo.append { _ = try? sh("losetup", ["-d", loop]) }
                let partition = loop + "p1", name = loop.dropFirst(5)
                // The partition scan of `losetup -P` can lag or be skipped here; ask for it again.
                if !FileManager.default.fileExists(atPath: "/sys/block/\(name)/\(name)p1") {
                    _ = try? sh("partx", ["-a", loop])
                }
                if !FileManager.default.fileExists(atPath: partition) {
                    let device = try String(contentsOfFile: "/sys/block/\(name)/\(name)p1/dev", encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":")
                    try sh("mknod", [partition, "b", String(device[0]), String(device[1])])
                }
                try sh("mount", ["-o", "ro,noload", partition, root.path])
                undo.append { [root] in _ = try? sh("umount", [root.path]) }
            } catch {
                unmount()
                throw error
            }
        }

        /// Mounts `type` (tmpfs, proc) over the image's `path`, undone by `unmount()` first.
        func mount(_ type: String, at path: String) throws {
            let target = root.appendingPathComponent(path).path
            try sh("mount", ["-t", type, type, target])
            undo.append { _ = try? sh("umount", ["-l", target]) }
        }

        /// Undoes everything, newest first; safe to call twice.
        func unmount() {
            while let step = undo.popLast() { step() }
        }

        deinit { unmount() }
    }

    /// Runs a command, returning its stdout; a failure throws with its stderr.
    @discardableResult
    static func sh(_ program: String, _ arguments: [String], timeout: Double = 60) throws -> String {
        let path = ["/usr/bin", "/usr/sbin", "/bin", "/sbin"].map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? program
        let result = try ChildProcess.run(URL(fileURLWithPath: path), arguments, timeout: timeout)
        guard result.status == 0 else { throw FixtureError("\(program) \(arguments.joined(separator: " ")): \(result.stderr)") }
        return result.stdout
    }
}
