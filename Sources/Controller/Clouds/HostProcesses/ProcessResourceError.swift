/// A local process could not be started or stopped: what, which resource, why, what to do.
public struct ProcessResourceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was being done, e.g. "spawn /usr/sbin/nginx" or "stop pid 1234".
    public let operation: String
    /// The resource name (it carries the run id).
    public let resource: String
    /// Why it failed.
    public let reason: String
    /// What the user can do about it.
    public let remedy: String

    /// Creates an error; each part one line.
    public init(operation: String, resource: String, reason: String, remedy: String) {
        self.operation = operation
        self.resource = resource
        self.reason = reason
        self.remedy = remedy
    }

    /// One line: cannot <operation> for <resource>: <reason>; <remedy>.
    public var description: String {
        "cannot \(operation) for \(resource): \(reason); \(remedy)"
    }
}
