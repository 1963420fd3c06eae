import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file or directory the controller could not read, write or create, in plain words:
/// "cannot read /tmp: is a directory", not Foundation's "The operation could not be completed.
/// (NSCocoaErrorDomain error 256.)".
///
/// Foundation's errors on Linux often carry only a Cocoa code, so the reason comes first from
/// the path itself (missing, a directory, not readable or writable), then from the error's
/// errno, and only then from the few Cocoa codes that say something of their own.
public struct FileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was attempted.
    public enum Operation: String, Sendable {
        /// Reading a file.
        case read = "read"
        /// Writing (creating or replacing) a file.
        case write = "write"
        /// Creating a directory and its parents.
        case createDirectory = "create the directory"
    }

    /// What was attempted.
    public let operation: Operation
    /// The path as the user gave it.
    public let path: String
    /// Why, in a few plain words: "is a directory", "no such file or directory".
    public let reason: String

    /// The problem `error` reports for `operation` on `path`.
    public init(_ operation: Operation, path: String, error: any Error) {
        self.operation = operation
        self.path = path
        reason = Self.reason(operation, path: path, error: error)
    }

    /// `cannot read PATH: REASON`.
    public var description: String { "cannot \(operation.rawValue) \(path): \(reason)" }

    /// Reads `path` as UTF-8 text.
    public static func readText(_ path: String) throws(FileProblem) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw FileProblem(.read, path: path, error: error)
        }
    }

    /// Writes `text` to `path`, replacing the file.
    public static func write(_ text: String, to path: String) throws(FileProblem) {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw FileProblem(.write, path: path, error: error)
        }
    }

    /// The plain reason for `error`, judged from the path first.
    static func reason(_ operation: Operation, path: String, error: any Error) -> String {
        if let reason = pathReason(operation, path: path) { return reason }
        let error = error as NSError
        if let code = posixCode(of: error) { return message(errno: code) }
        guard error.domain == NSCocoaErrorDomain else { return "input/output error" }
        switch CocoaError.Code(rawValue: error.code) {
        case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: return "is not UTF-8 text"
        case .fileReadTooLarge: return "is too large"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteVolumeReadOnly: return "read-only file system"
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        default: return "input/output error"
        }
    }

    /// What the file system says about `path` before any error is read.
    private static func pathReason(_ operation: Operation, path: String) -> String? {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = files.fileExists(atPath: path, isDirectory: &isDirectory)
        switch operation {
        case .read:
            guard exists else { return "no such file or directory" }
            if isDirectory.boolValue { return "is a directory" }
            if !files.isReadableFile(atPath: path) { return "permission denied" }
        case .write:
            if exists && isDirectory.boolValue { return "is a directory" }
            if exists && !files.isWritableFile(atPath: path) { return "permission denied" }
            if !exists, let parent = parentReason(of: path, createsParents: false) { return parent }
        case .createDirectory:
            if exists && !isDirectory.boolValue { return "is a file, not a directory" }
            if !exists, let parent = parentReason(of: path, createsParents: true) { return parent }
        }
        return nil
    }

    /// Why nothing can be created in the directory holding `path`, if something is wrong
    /// there. `createsParents`: missing directories would be made (`createDirectory`), so the
    /// nearest one that exists decides.
    private static func parentReason(of path: String, createsParents: Bool) -> String? {
        let parent = (path as NSString).deletingLastPathComponent
        let directory = parent.isEmpty ? "." : parent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            guard createsParents else { return "its directory \(directory) does not exist" }
            return directory == "/" ? nil : parentReason(of: directory, createsParents: true)
        }
        if !isDirectory.boolValue { return "\(directory) is not a directory" }
        if !FileManager.default.isWritableFile(atPath: directory) { return "permission denied in \(directory)" }
        return nil
    }

    /// The errno an error carries, directly or as its underlying error.
    private static func posixCode(of error: NSError) -> Int32? {
        if error.domain == NSPOSIXErrorDomain { return Int32(error.code) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError { return posixCode(of: underlying) }
        return nil
    }

    /// `strerror` in the lower case of a message's middle: "no such file or directory".
    private static func message(errno code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
