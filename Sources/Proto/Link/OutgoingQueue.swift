import Synchronization

/// Frames waiting for a link's thread to hand them to libzmq: any thread pushes, the link's
/// thread takes. Bounded, so a peer that never drains costs memory up to `capacity` frames and
/// then a thrown `sendQueueFull`, never silent loss or unbounded growth.
final class OutgoingQueue<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var closed = false
    }

    private let state = Mutex(State())
    /// Signalled on every push and on close.
    let wakeup: Wakeup
    /// The most frames that may wait here.
    let capacity: Int

    init(capacity: Int) throws {
        guard capacity > 0 else { throw LinkError.invalid("send queue", "capacity must be positive, got \(capacity)") }
        self.capacity = capacity
        wakeup = try Wakeup()
    }

    /// Queues `element` and wakes the thread; throws if closed or full.
    func push(_ element: Element, operation: @autoclosure () -> String) throws {
        try state.withLock { state in
            guard !state.closed else { throw LinkError.closed(operation()) }
            guard state.items.count < capacity else {
                throw LinkError(
                    kind: .sendQueueFull, operation: operation(),
                    reason: "\(capacity) frames are already waiting; the peer is not reading or is unreachable, "
                        + "retry later or drop the frame")
            }
            state.items.append(element)
        }
        wakeup.signal()
    }

    /// Everything queued so far, oldest first; the queue is left empty.
    func takeAll() -> [Element] {
        state.withLock { state in
            defer { state.items = [] }
            return state.items
        }
    }

    /// Refuses further pushes and wakes the thread so it can stop. Returns false if it was
    /// already closed, which makes `close()` on a link idempotent.
    @discardableResult
    func close() -> Bool {
        let first = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        wakeup.signal()
        return first
    }

    /// Whether `close()` was called.
    var isClosed: Bool { state.withLock { $0.closed } }
}
