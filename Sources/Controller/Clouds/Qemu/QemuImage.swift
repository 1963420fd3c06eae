import Foundation

/// Finds the agent image the qemu cloud boots.
///
/// In order: `--image`, then `vm_image_file` of the configuration, then `$KB_AGENT_IMAGE`,
/// then `image/out/kloudbuster-agent.qcow2` of the source tree the running `kloudbuster` was
/// built in (what `make image` writes), then `/var/lib/kloudbuster/images/kloudbuster-agent.qcow2`.
public enum QemuImage {
    /// The environment variable naming the image.
    public static let environmentVariable = "KB_AGENT_IMAGE"
    /// The file `make image` links to its latest image.
    public static let fileName = "kloudbuster-agent.qcow2"
    /// Where an installed controller keeps images.
    public static let installedFolder = "/var/lib/kloudbuster/images"

    /// The absolute path of the image.
    ///
    /// - Throws: `QemuCloudError` listing what was tried and naming `make image`.
    public static func locate(
        option: String?, configured: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: String? = Bundle.main.executablePath
    ) throws -> String {
        var tried: [String] = []
        func check(_ path: String, _ source: String) -> String? {
            let absolute = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            if FileManager.default.isReadableFile(atPath: absolute), !isDirectory(absolute) { return absolute }
            tried.append("\(path) (\(source))")
            return nil
        }
        let explicit: [(String?, String)] = [(option, "--image"), (configured, "vm_image_file"), (environment[environmentVariable], "$\(environmentVariable)")]
        for case let (path?, source) in explicit where !path.isEmpty {
            if let found = check(path, source) { return found }
            throw notFound(tried, remedy: "give \(source) the path of an image built by `make image`")
        }
        if let executable {
            // <tree>/.build/<triple>/<config>/kloudbuster: three folders up is the tree.
            var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<3 { folder.deleteLastPathComponent() }
            if let found = check(folder.appendingPathComponent("image/out/\(fileName)").path, "make image") { return found }
        }
        if let found = check("\(installedFolder)/\(fileName)", "installed") { return found }
        throw notFound(tried, remedy: "build it with `make image` (in the source tree), or give --image FILE")
    }

    private static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    private static func notFound(_ tried: [String], remedy: String) -> QemuCloudError {
        QemuCloudError(operation: "find the agent image", reason: "no readable image at " + tried.joined(separator: ", "), remedy: remedy)
    }
}
