/// The local cloud's deleter for `process` resources: stops the recorded process (SIGTERM to
/// its group, then SIGKILL), never touching a process that only shares its pid.
public struct ProcessResourceDeleter: ResourceDeleter {
    /// `process`.
    public let kind: ResourceKind = .process
    /// How long a process gets between SIGTERM and SIGKILL.
    public let grace: Duration
    private let processes: ProcessResource

    /// A deleter over `ledger`'s processes, giving each `grace` to exit after SIGTERM.
    public init(ledger: Ledger, grace: Duration = .seconds(5)) {
        self.processes = ProcessResource(ledger: ledger)
        self.grace = grace
    }

    /// Stops the process, or finds it gone.
    public func delete(_ resource: ResourceRecord) async throws -> DeletionOutcome {
        try await processes.stop(resource, grace: grace)
    }
}
