import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The dedicated OS thread that owns a link's sockets.
///
/// A thread, not a Task: the loop blocks in `zmq_poll`, and blocking one of the two
/// cooperative-pool threads on this machine would stall every async task in the process.
final class LinkThread: Sendable {
    /// What the C entry point receives: the body and the eventfd it signals when the body returns.
    private final class Start {
        let body: @Sendable () -> Void
        let finished: Wakeup

        init(body: @escaping @Sendable () -> Void, finished: Wakeup) {
            self.body = body
            self.finished = finished
        }
    }

    private let thread: pthread_t
    private let finished: Wakeup
    /// Set once the thread is joined or detached: a pthread may be reaped only once.
    private let reaped = Mutex(false)

    /// Starts `body` on a new thread; `name` only labels errors (Swift's Glibc module does not
    /// import `pthread_setname_np`).
    init(name: String, body: @escaping @Sendable () -> Void) throws {
        let finished = try Wakeup()
        let start = Unmanaged.passRetained(Start(body: body, finished: finished))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let start = Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue()
            start.body()
            start.finished.signal()
            return nil
        }, start.toOpaque())
        guard result == 0 else {
            start.release()
            throw Zmq.error("pthread_create \(name)", code: result)
        }
        self.thread = thread
        self.finished = finished
    }

    /// Waits up to `milliseconds` for the body to return and reaps the thread; true if it did.
    /// If it did not, the thread is detached (it will still free everything it owns when its
    /// body returns) so the caller is never held longer than the bound.
    @discardableResult
    func join(withinMilliseconds milliseconds: Int32) -> Bool {
        // Joining ourselves would deadlock; a link closed from its own thread just detaches.
        let isSelf = pthread_equal(pthread_self(), thread) != 0
        let returned = !isSelf && finished.wait(milliseconds: milliseconds)
        reaped.withLock { reaped in
            guard !reaped else { return }
            reaped = true
            // After the signal the body has returned, so pthread_join waits only for the
            // thread's own exit path.
            if returned { pthread_join(thread, nil) } else { pthread_detach(thread) }
        }
        return returned
    }

    deinit {
        // Never leave a joinable thread behind: an unreaped pthread leaks its stack.
        reaped.withLock { reaped in
            if !reaped { pthread_detach(thread) }
        }
    }
}
