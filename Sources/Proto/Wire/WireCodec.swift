import SwiftProtobuf

/// Turns envelopes into frame bytes and back, and decides which received frames are fit to act
/// on. Everything a peer sends passes `decode` first, so this is where hostile or stale input
/// stops: every failure is a `WireError` to count and drop, never a crash.
public enum WireCodec {
    /// The wire format version this build speaks (`Envelope.version`). Bump it on any change an
    /// older peer would misread; adding fields does not need a bump.
    public static let version: UInt32 = 1

    /// Frames above this size (16 MiB) are rejected unread. An interval report with two
    /// compressed histograms is a few KiB; the limit only stops a broken or hostile peer from
    /// making a receiver allocate without bound.
    public static let maximumFrameBytes = 16 * 1024 * 1024

    /// The deepest nesting a frame of this schema needs is 3 (envelope, report, map entry);
    /// the margin keeps newer, deeper additions readable while random bytes posing as nested
    /// groups cannot recurse far.
    static let decodingOptions: BinaryDecodingOptions = {
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = 16
        // Fields of newer releases are of no use to this one; keeping them only costs memory.
        options.discardUnknownFields = true
        return options
    }()

    /// Serializes `envelope` into one frame. Stamps `version` when it is unset (0), so builders
    /// need not remember it. The caller keeps frames below `maximumFrameBytes`; receivers drop
    /// larger ones.
    public static func encode(_ envelope: Kb_V1_Envelope) -> [UInt8] {
        var envelope = envelope
        if envelope.version == 0 {
            envelope.version = version
        }
        do {
            return try envelope.serializedBytes()
        } catch {
            // proto3 messages have no required fields, and only a message above 2 GiB fails
            // encoding; neither can happen for a well-formed Envelope.
            preconditionFailure("WireCodec.encode: SwiftProtobuf failed to serialize an Envelope: \(error)")
        }
    }

    /// Parses and validates one frame.
    ///
    /// - Parameters:
    ///   - bytes: The frame as received.
    ///   - runID: When given, envelopes of any other run are rejected with `.wrongRun`.
    /// - Throws: `WireError` saying why the frame must be dropped; never traps, whatever the bytes.
    public static func decode(_ bytes: [UInt8], runID: String? = nil) throws(WireError) -> Kb_V1_Envelope {
        guard bytes.count <= maximumFrameBytes else {
            throw .tooLarge(bytes: bytes.count)
        }
        let envelope: Kb_V1_Envelope
        do {
            envelope = try Kb_V1_Envelope(serializedBytes: bytes, options: decodingOptions)
        } catch {
            throw .malformed(reason(error))
        }
        guard envelope.version == version else {
            throw .unsupportedVersion(envelope.version)
        }
        if let runID, envelope.runID != runID {
            throw .wrongRun(expected: runID, actual: envelope.runID)
        }
        guard let body = envelope.body else {
            throw .emptyBody
        }
        if case .command(let command) = body, !command.isComplete {
            throw .incompleteCommand(commandSeq: command.commandSeq)
        }
        return envelope
    }

    /// A short description of SwiftProtobuf's decoding error, stable across its releases for the
    /// cases a receiver meets.
    private static func reason(_ error: any Error) -> String {
        guard let error = error as? BinaryDecodingError else {
            return "\(error)"
        }
        switch error {
        case .truncated: return "truncated"
        case .malformedProtobuf: return "invalid protobuf encoding"
        case .invalidUTF8: return "a string field is not valid UTF-8"
        case .messageDepthLimit: return "messages nested too deep"
        case .trailingGarbage: return "trailing bytes after the message"
        default: return "\(error)"
        }
    }
}

extension Kb_V1_Command {
    /// Whether the command carries something to execute: a kind, and for a Prepare a role.
    var isComplete: Bool {
        switch kind {
        case .none: return false
        case .prepare(let prepare): return prepare.role != nil
        case .start, .stop, .abort: return true
        }
    }
}
