import Logging
import Proto
import Synchronization

/// Everything the agent sends goes through here: one envelope sequence per agent (the
/// controller sees loss by gaps in `Envelope.seq`), stamped and encoded in one place.
///
/// A class with a lock rather than actor state, because the stage's interval callback is
/// synchronous and runs outside the daemon actor, yet must number its reports in the same
/// sequence as everything else.
final class AgentOutbox: Sendable {
    private let sequencer: Mutex<EnvelopeSequencer>
    private let transmit: @Sendable ([UInt8]) throws -> Void
    private let logger: Logger
    private let failures = Mutex<Int>(0)

    /// An outbox for `agentID` of `runID` that hands frames to `transmit` (`AgentLink.send`).
    init(runID: String, agentID: String, logger: Logger, transmit: @escaping @Sendable ([UInt8]) throws -> Void) {
        sequencer = Mutex(EnvelopeSequencer(runID: runID, sender: agentID))
        self.transmit = transmit
        self.logger = logger
    }

    /// Sends `body` now. A full queue or closed link loses the frame: the controller re-sends
    /// commands and declares silent agents lost, so blocking here would only hide that.
    func send(_ body: Kb_V1_Envelope.OneOf_Body) {
        let frame = sequencer.withLock { $0.frame(body, sentUnixNs: WallClock.nowUnixNs()) }
        do {
            try transmit(frame)
        } catch {
            let count = failures.withLock { count in
                count += 1
                return count
            }
            // One line per power of two: a dead link must not flood the log.
            if count & (count - 1) == 0 {
                logger.warning("cannot send to the controller (\(count) frames lost so far): \(error)")
            }
        }
    }

    /// Frames that could not be handed to the link.
    var lostFrames: Int { failures.withLock { $0 } }
}
