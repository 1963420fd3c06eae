#if canImport(Glibc)
import Glibc
#endif

/// A result file the user asked for (`--json`, `--hlog`): checked before a run starts, so a
/// typo costs a second and not a two-hour test (`FileProblem.write` writes it later).
public enum OutputFile {
    /// A file that cannot be written: where, why and what to do.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// The path as given.
        public let path: String
        /// Why, in plain words.
        public let reason: String

        /// One line.
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Throws when `path` could not be written now: its folder is missing or not writable, or
    /// the path is a folder. Creates nothing.
    public static func checkWritable(_ path: String, option: String) throws(Problem) {
        guard !path.isEmpty else { throw Problem(path: "\"\"", reason: "the path is empty; give a file name to \(option)") }
        var info = stat()
        if stat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR {
                throw Problem(path: path, reason: "it is a directory; give a file name to \(option), e.g. \(path)/result.json")
            }
            guard access(path, W_OK) == 0 else { throw Problem(path: path, reason: reason(errno)) }
            return
        }
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let directory = folder.isEmpty ? "/" : folder
        guard stat(directory, &info) == 0 else {
            throw Problem(path: path, reason: errno == ENOENT ? "no such directory \(directory); create it first" : reason(errno))
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw Problem(path: path, reason: "\(directory) is not a directory") }
        guard access(directory, W_OK) == 0 else { throw Problem(path: path, reason: "\(directory): \(reason(errno))") }
    }

    /// strerror's words, lower-cased at the start: "no such file or directory".
    static func reason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
