/// Why a received frame was dropped. Receivers count these (`WireCounters`) and carry on: a bad
/// frame from one peer must never stop the controller or an agent.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The frame is longer than `WireCodec.maximumFrameBytes`; it was not parsed.
    case tooLarge(bytes: Int)
    /// The bytes are not a protobuf `Envelope` (truncated, bad tag, bad length, nested too deep).
    case malformed(String)
    /// The envelope's version is not `WireCodec.version`: the peer runs another release.
    case unsupportedVersion(UInt32)
    /// The envelope carries no body, or a body kind this build does not know.
    case emptyBody
    /// A command without a kind, or a Prepare without a role: nothing could be executed.
    case incompleteCommand(commandSeq: UInt64)
    /// The envelope belongs to another run (a stale agent or controller of an earlier run).
    case wrongRun(expected: String, actual: String)

    /// A message that says what was wrong and what to look at.
    public var description: String {
        switch self {
        case .tooLarge(let bytes):
            return "frame of \(bytes) bytes exceeds the \(WireCodec.maximumFrameBytes)-byte limit and was dropped; "
                + "the sender must split or shrink what it sends (a report's histograms are a few KiB)"
        case .malformed(let reason):
            return "frame is not a kb.v1.Envelope and was dropped (\(reason)); "
                + "check that both ends speak this protocol and nothing else writes to the socket"
        case .unsupportedVersion(let version):
            return "envelope version \(version) is not supported (this build speaks version \(WireCodec.version)); "
                + "run the same KloudBuster release on the controller and the agents"
        case .emptyBody:
            return "envelope has no body this build knows; dropped (is the sender a newer release?)"
        case .incompleteCommand(let commandSeq):
            return "command \(commandSeq) has no kind (or a Prepare has no role parameters); dropped, "
                + "the controller must fill Command.kind"
        case .wrongRun(let expected, let actual):
            return "envelope of run '\(actual)' dropped while running '\(expected)'; "
                + "a process of an earlier run is still connected, stop it"
        }
    }
}
