/// The qemu cloud could not stage or check something: what it was doing, why, and what to do.
public struct QemuCloudError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was being done, e.g. "boot kb-...-srv-0".
    public let operation: String
    /// Why it failed.
    public let reason: String
    /// What the user can do about it.
    public let remedy: String

    /// Creates an error; each part one line.
    public init(operation: String, reason: String, remedy: String) {
        self.operation = operation
        self.reason = reason
        self.remedy = remedy
    }

    /// One line: cannot <operation>: <reason>; <remedy>.
    public var description: String { "cannot \(operation): \(reason); \(remedy)" }
}
