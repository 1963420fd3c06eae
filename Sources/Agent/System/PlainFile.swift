#if canImport(Glibc)
import Glibc
#endif

/// Reading and writing whole files with POSIX calls, failing with plain words.
///
/// Foundation's file errors print as `Error Domain=NSCocoaErrorDomain Code=4 ...`, which is no
/// message for a user; these calls keep the errno and say "cannot write FILE: no such directory".
public enum PlainFile {
    /// A file operation that failed: what, on which path, and the errno.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The operation, as a verb: "write", "read", "create the folder".
        public let operation: String
        /// The path as given.
        public let path: String
        /// The errno of the call that failed.
        public let code: Int32

        /// "cannot write run.hlog: no such directory".
        public var description: String {
            "cannot \(operation) \(path): \(PlainFile.words(for: code, operation: operation))"
        }
    }

    /// Creates or truncates `path` and writes `bytes` to it (mode 0644 before the umask).
    public static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(operation: "write", path: path, code: errno) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR {
                continue
            } else {
                throw Failure(operation: "write", path: path, code: written < 0 ? errno : EIO)
            }
        }
    }

    /// The whole contents of `path`.
    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(operation: "read", path: path, code: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes += chunk[..<count]
            } else if count == 0 {
                return bytes
            } else if errno != EINTR {
                throw Failure(operation: "read", path: path, code: errno)
            }
        }
    }

    /// Creates `path` and any missing folders above it (mode 0755); an existing folder is fine.
    public static func makeDirectories(_ path: String) throws(Failure) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw Failure(operation: "create the folder", path: prefix, code: errno)
            }
            prefix += "/"
        }
    }

    /// The errno in words that fit the operation: a missing path component is "no such
    /// directory" when writing, "no such file" when reading.
    static func words(for code: Int32, operation: String) -> String {
        switch code {
        case ENOENT: return operation == "read" ? "no such file" : "no such directory"
        case ENOTDIR: return "a part of the path is not a directory"
        case EISDIR: return "it is a directory"
        default: return SystemError.text(code)
        }
    }
}
