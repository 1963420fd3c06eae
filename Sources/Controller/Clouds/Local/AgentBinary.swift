import Foundation

/// Finds the `kb-agent` executable the local cloud starts for every VM.
///
/// In order: `--agent-binary`, then `$KB_AGENT_BINARY`, then `kb-agent` in the folder of the
/// running `kloudbuster` (where `swift build` and the release archive put both), so a build
/// tree works without installing anything.
public enum AgentBinary {
    /// The environment variable naming the agent binary.
    public static let environmentVariable = "KB_AGENT_BINARY"
    /// The executable's file name.
    public static let fileName = "kb-agent"

    /// The absolute path of the agent binary.
    ///
    /// - Parameters:
    ///   - option: the `--agent-binary` value, if given.
    ///   - environment: the process environment.
    ///   - executable: the running controller's path (its folder is searched last).
    /// - Throws: `LocalCloudError` listing what was tried.
    public static func locate(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: String? = Bundle.main.executablePath
    ) throws -> String {
        var tried: [String] = []
        func check(_ path: String, _ source: String) throws -> String? {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            if FileManager.default.isExecutableFile(atPath: absolute) { return absolute }
            tried.append("\(absolute) (\(source))")
            return nil
        }
        if let option {
            if let found = try check(option, "--agent-binary") { return found }
            throw notFound(tried, remedy: "give the path of a built kb-agent to --agent-binary")
        }
        if let variable = environment[environmentVariable], !variable.isEmpty {
            if let found = try check(variable, "$\(environmentVariable)") { return found }
            throw notFound(tried, remedy: "point \(environmentVariable) at a built kb-agent, or unset it")
        }
        if let executable {
            let folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
            if let found = try check(folder.appendingPathComponent(fileName).path, "next to kloudbuster") { return found }
        }
        throw notFound(tried, remedy: "build it (`swift build --product kb-agent`) or give --agent-binary or \(environmentVariable)")
    }

    private static func notFound(_ tried: [String], remedy: String) -> LocalCloudError {
        LocalCloudError(
            operation: "find the kb-agent binary",
            reason: tried.isEmpty ? "nowhere to look" : "no executable at " + tried.joined(separator: ", "),
            remedy: remedy)
    }
}
