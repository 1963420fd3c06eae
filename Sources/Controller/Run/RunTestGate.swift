/// What follows a test of an interactive run (`run --interactive`, or the server's
/// interactive runs): another test on the same staging, or the end (results, cleanup).
public enum InteractiveStep: Sendable, Equatable {
    /// Run the test again, with this label (nil: the run's label).
    case again(label: String?)
    /// Clean up and end the run.
    case finish
}

/// Asked after each test of an interactive run what comes next. The coordinator stops
/// waiting (and finishes) when the run is interrupted, whatever the gate is doing.
public protocol RunTestGate: Sendable {
    /// Test `number` ended and its result (`document`) is written; what now?
    func next(after number: Int, result document: ResultDocument) async -> InteractiveStep
}
