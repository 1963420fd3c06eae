/// Frames a receiver accepted and dropped, by reason. Receivers never stop on a bad frame; they
/// count it here, and the counts end up in logs and the run's result so silent loss is visible.
public struct WireCounters: Sendable, Equatable, CustomStringConvertible {
    /// Frames decoded and accepted.
    public var accepted: UInt64 = 0
    /// Frames above `WireCodec.maximumFrameBytes`.
    public var tooLarge: UInt64 = 0
    /// Frames that were not a protobuf `Envelope`.
    public var malformed: UInt64 = 0
    /// Envelopes of another wire version.
    public var unsupportedVersion: UInt64 = 0
    /// Envelopes without a known body.
    public var emptyBody: UInt64 = 0
    /// Commands without a kind or role.
    public var incompleteCommand: UInt64 = 0
    /// Envelopes of another run.
    public var wrongRun: UInt64 = 0

    /// All counters zero.
    public init() {}

    /// Frames dropped for any reason.
    public var dropped: UInt64 {
        tooLarge &+ malformed &+ unsupportedVersion &+ emptyBody &+ incompleteCommand &+ wrongRun
    }

    /// Counts one dropped frame under its reason.
    public mutating func record(_ error: WireError) {
        switch error {
        case .tooLarge: tooLarge &+= 1
        case .malformed: malformed &+= 1
        case .unsupportedVersion: unsupportedVersion &+= 1
        case .emptyBody: emptyBody &+= 1
        case .incompleteCommand: incompleteCommand &+= 1
        case .wrongRun: wrongRun &+= 1
        }
    }

    /// Decodes `bytes` with `WireCodec.decode` and counts the outcome: the envelope to act on, or
    /// the reason it was dropped, for the caller to log.
    public mutating func decode(
        _ bytes: [UInt8], runID: String? = nil
    ) -> Result<Kb_V1_Envelope, WireError> {
        do {
            let envelope = try WireCodec.decode(bytes, runID: runID)
            accepted &+= 1
            return .success(envelope)
        } catch {
            record(error)
            return .failure(error)
        }
    }

    /// One line for logs, e.g. "accepted 120, dropped 2 (malformed 1, wrong run 1)".
    public var description: String {
        let reasons: [(String, UInt64)] = [
            ("too large", tooLarge), ("malformed", malformed), ("unsupported version", unsupportedVersion),
            ("empty body", emptyBody), ("incomplete command", incompleteCommand), ("wrong run", wrongRun),
        ]
        let nonZero = reasons.filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }
        let detail = nonZero.isEmpty ? "" : " (" + nonZero.joined(separator: ", ") + ")"
        return "accepted \(accepted), dropped \(dropped)\(detail)"
    }
}
