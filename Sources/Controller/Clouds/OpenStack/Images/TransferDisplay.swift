import Synchronization

/// Shows the progress of long transfers on a status line: redrawn in place on a terminal, a
/// line every `logInterval` otherwise (so a short upload prints nothing, and a log of a long
/// one stays readable).
public final class TransferDisplay: Sendable {
    private let status: StatusLine
    private let logInterval: Duration
    private let redrawInterval: Duration

    /// A display on `status`.
    public init(status: StatusLine, logInterval: Duration = .seconds(10), redrawInterval: Duration = .milliseconds(250)) {
        self.status = status
        self.logInterval = logInterval
        self.redrawInterval = redrawInterval
    }

    /// Runs `operation` while showing how far `counter` got toward `total`; the line is erased
    /// when it ends (the caller says how it went).
    public func watch<T>(_ label: String, total: UInt64, counter: TransferCounter,
                         _ operation: () async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        let ticker = Task { [status, logInterval, redrawInterval] in
            var lastLog = started
            while !Task.isCancelled {
                try? await Task.sleep(for: redrawInterval)
                guard !Task.isCancelled else { break }
                let now = ContinuousClock.now
                let progress = TransferProgress(label: label, total: total, done: counter.bytes, elapsed: now - started)
                if status.isTerminal {
                    status.show(progress.render(width: status.width))
                } else if now - lastLog >= logInterval {
                    status.print(progress.logLine)
                    lastLog = now
                }
            }
        }
        // The ticker has ended before the line is erased: a redraw after it would linger.
        func stop() async {
            ticker.cancel()
            await ticker.value
            status.clear()
        }
        do {
            let value = try await operation()
            await stop()
            return value
        } catch {
            await stop()
            throw error
        }
    }
}
