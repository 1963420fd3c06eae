import Synchronization

/// A link's live counters and the first error that stopped its thread: written by the link's
/// thread, read from anywhere.
final class LinkMonitor: Sendable {
    /// Why the link's thread stopped on its own, if it did; nil while it runs or after `close()`.
    let failure = Mutex<LinkError?>(nil)

    let framesIn = Atomic<Int>(0)
    let framesOut = Atomic<Int>(0)
    let malformedDropped = Atomic<Int>(0)
    let incomingDropped = Atomic<Int>(0)
    let outgoingDropped = Atomic<Int>(0)
    let rejectedConnections = Atomic<Int>(0)
    let acceptedConnections = Atomic<Int>(0)

    /// Which counter to bump; key paths cannot reach the non-copyable `Atomic` cells.
    enum Counter {
        case framesIn, framesOut, malformedDropped, incomingDropped, outgoingDropped
        case rejectedConnections, acceptedConnections
    }

    func bump(_ counter: Counter) {
        // Relaxed: each counter is independent and only ever read as a statistic.
        switch counter {
        case .framesIn: framesIn.add(1, ordering: .relaxed)
        case .framesOut: framesOut.add(1, ordering: .relaxed)
        case .malformedDropped: malformedDropped.add(1, ordering: .relaxed)
        case .incomingDropped: incomingDropped.add(1, ordering: .relaxed)
        case .outgoingDropped: outgoingDropped.add(1, ordering: .relaxed)
        case .rejectedConnections: rejectedConnections.add(1, ordering: .relaxed)
        case .acceptedConnections: acceptedConnections.add(1, ordering: .relaxed)
        }
    }

    /// Records `error` as the reason the thread stopped, keeping the first one.
    func fail(_ error: any Error) {
        let linkError = error as? LinkError
            ?? LinkError(kind: .closed, operation: "link thread", reason: "stopped by \(error)")
        failure.withLock { failure in
            if failure == nil { failure = linkError }
        }
    }

    var snapshot: LinkCounters {
        var counters = LinkCounters()
        counters.framesIn = framesIn.load(ordering: .relaxed)
        counters.framesOut = framesOut.load(ordering: .relaxed)
        counters.malformedDropped = malformedDropped.load(ordering: .relaxed)
        counters.incomingDropped = incomingDropped.load(ordering: .relaxed)
        counters.outgoingDropped = outgoingDropped.load(ordering: .relaxed)
        counters.rejectedConnections = rejectedConnections.load(ordering: .relaxed)
        counters.acceptedConnections = acceptedConnections.load(ordering: .relaxed)
        return counters
    }
}
