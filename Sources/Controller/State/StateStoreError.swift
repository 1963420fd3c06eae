/// The state store could not be used: which file, what was being done, why, and what to do.
public struct StateStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file or directory concerned.
    public let path: String
    /// What was being done, e.g. "create the state directory".
    public let operation: String
    /// Why it failed (the system's or SQLite's words).
    public let reason: String
    /// What the user can do about it.
    public let remedy: String

    /// Creates an error; every part should be one line.
    public init(path: String, operation: String, reason: String, remedy: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
        self.remedy = remedy
    }

    /// One line: cannot <operation> at <path>: <reason>; <remedy>.
    public var description: String {
        "cannot \(operation) at \(path): \(reason); \(remedy)"
    }
}
