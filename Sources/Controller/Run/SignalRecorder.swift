import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Remembers which of SIGINT and SIGTERM arrived first, so `kloudbuster run` can exit 130
/// after SIGINT as shells expect. The service group does the actual shutdown; this only
/// watches, through Dispatch signal sources (no C signal handler).
public final class SignalRecorder: Sendable {
    private final class Received: Sendable {
        let first = Mutex<Int32?>(nil)
    }

    private let box = Received()
    // DispatchSource objects are thread-safe (libdispatch serializes their handlers) but not
    // marked Sendable; they are only written here in init and cancelled in deinit.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    /// Starts watching SIGINT and SIGTERM. Their default action (terminate) is replaced by
    /// "ignore" at once, so a signal arriving before the service group watches them does not
    /// kill the controller before it cleans up.
    public init() {
        for signalNumber in [SIGINT, SIGTERM] {
            _ = Glibc.signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [box] in
                box.first.withLock { if $0 == nil { $0 = signalNumber } }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// The first signal received, or nil.
    public var received: Int32? { box.first.withLock { $0 } }

    /// The exit status for a run ended by the received signal: 130 for SIGINT, 143 for SIGTERM.
    public var exitStatus: Int32? { received.map { 128 + $0 } }
}
