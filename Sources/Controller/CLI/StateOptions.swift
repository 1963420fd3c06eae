import ArgumentParser
import Foundation

/// `--state-dir`: where the controller keeps its state database and run folders. Shared by
/// every command that reads or writes runs.
public struct StateOptions: ParsableArguments, Sendable {
    /// The environment variable that overrides the default state directory.
    public static let environmentVariable = "KB_STATE_DIR"

    /// The directory given on the command line, if any.
    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "Directory of the state database and run folders (default: $KB_STATE_DIR, else ~/.kloudbuster).",
            valueName: "dir"))
    public var stateDirectory: String?

    /// For ArgumentParser.
    public init() {}

    /// The state directory: `--state-dir`, else `$KB_STATE_DIR`, else `~/.kloudbuster`; a
    /// leading `~` is expanded.
    public func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        var path = stateDirectory ?? environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? "~/.kloudbuster"
        if path == "~" || path.hasPrefix("~/") {
            path = home + path.dropFirst()
        }
        return URL(fileURLWithPath: path).standardizedFileURL
    }

    /// Opens (creating when missing) the state store.
    public func openStore() throws -> StateStore {
        try StateStore(directory: directory())
    }

    /// Opens the state store only if it exists; nil when the directory holds no database.
    public func openExistingStore() throws -> StateStore? {
        try StateStore.openExisting(directory: directory())
    }

    /// The usage error for a run id the store does not know: it points at `kloudbuster runs
    /// list` (a state directory may hold thousands of runs) and names a known id only when it
    /// looks like a typo of the one given.
    func unknownRun(_ runID: String, ledger: Ledger?) -> ValidationError {
        let known = (try? ledger?.runs().map(\.id)) ?? []
        let where_ = directory().path
        guard !known.isEmpty else {
            return ValidationError("unknown run \(runID): \(where_) holds no runs; check --state-dir or \(Self.environmentVariable)")
        }
        let typo = ConfigurationPath.nearest(to: runID, in: known).map { " (did you mean \($0)?)" } ?? ""
        return ValidationError("unknown run \(runID) in \(where_)\(typo); `kloudbuster runs list` lists the \(known.count) run\(known.count == 1 ? "" : "s") it holds")
    }
}
