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
        let count = Mutex<Int>(0)
    }

    private let box = Received()
    // DispatchSource objects are thread-safe (libdispatch serializes their handlers) but not
    // marked Sendable; they are only written here in init and cancelled in deinit.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    /// Starts watching SIGINT and SIGTERM. Their default action (terminate) is replaced by
    /// "ignore" at once, so a signal arriving before the service group watches them does not
    /// kill the controller before it cleans up.
    ///
    /// The first signal starts the graceful end (the service group sees it too); the second
    /// only says that cleanup is under way and how to force; the third exits at once with
    /// 128 + the signal, leaving the ledger to `kloudbuster cleanup` and the agents to their
    /// watchdog.
    public init(onRepeat: @escaping @Sendable (_ count: Int) -> Void = SignalRecorder.defaultRepeatNote) {
        for signalNumber in [SIGINT, SIGTERM] {
            _ = Glibc.signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [box] in
                box.first.withLock { if $0 == nil { $0 = signalNumber } }
                let count = box.count.withLock { count in
                    count += 1
                    return count
                }
                if count >= 2 { onRepeat(count) }
                if count >= 3 { _exit(128 + signalNumber) }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// What the second and third signal print (on stderr: stdout may be a pipe being read).
    public static let defaultRepeatNote: @Sendable (Int) -> Void = { count in
        let text = count == 2
            ? "kloudbuster: cleaning up, press Ctrl-C again to force (what is left is deleted later by `kloudbuster cleanup --all`)\n"
            : "kloudbuster: forced: exiting now; run `kloudbuster cleanup --all` to delete what this run left\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }

    /// The first signal received, or nil.
    public var received: Int32? { box.first.withLock { $0 } }

    /// The exit status for a run ended by the received signal: 130 for SIGINT, 143 for SIGTERM.
    public var exitStatus: Int32? { received.map { 128 + $0 } }
}
