#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs one load: creates the engine, starts it, takes a snapshot every interval, stops it at
/// the end of the duration (or when its task is cancelled) and returns the result.
///
/// All waiting is `Task.sleep` and the engine's blocking stop runs on a dedicated thread, so a
/// run holds no cooperative thread while the load goes on.
public struct LoadRunner: Sendable {
    /// What to load.
    public let plan: LoadPlan
    /// How long to load.
    public let duration: Duration
    /// How often to report, or nil for a single result at the end.
    public let interval: Duration?
    /// When the load begins (connections open before it); nil for as soon as possible.
    public let startAt: ContinuousClock.Instant?

    /// A runner for `plan`, loading for `duration` from `startAt` and reporting every `interval`.
    public init(plan: LoadPlan, duration: Duration, interval: Duration? = nil, startAt: ContinuousClock.Instant? = nil) {
        self.plan = plan
        self.duration = duration
        self.interval = interval
        self.startAt = startAt
    }

    /// Creates and runs the engine; `onStart` is called once the load is running (not when the
    /// engine cannot be created), `onInterval` sees each interval as soon as it ends (and the
    /// last, partial one after the stop). Cancelling the calling task ends the load early and
    /// still returns the result, with `interrupted` set. Throws `EngineError` when the engine
    /// cannot be created or started.
    public func run(
        onStart: () -> Void = {}, onInterval: (IntervalSample) -> Void = { _ in }
    ) async throws -> LoadResult {
        let engine = try await LoadEngine.create(plan)
        let clock = ContinuousClock()
        try engine.start(at: startAt)
        if let startAt {
            // Connections open during this wait; time, CPU and intervals count from startAt.
            do { try await Task.sleep(until: startAt, clock: clock) } catch {}
        }
        let cpuBefore = CPUTime.now()
        let startTime = Date().timeIntervalSince1970
        let start = startAt ?? clock.now
        let end = start.advanced(by: duration)
        onStart()

        var interrupted = false
        var intervals: [IntervalSample] = []
        var previous = EngineTotals()
        var previousAt = start
        func record(_ totals: EngineTotals, at instant: ContinuousClock.Instant) throws {
            let sample = IntervalSample(
                startOffset: (previousAt - start).seconds, length: (instant - previousAt).seconds,
                totals: try totals.subtracting(previous))
            intervals.append(sample)
            onInterval(sample)
            previous = totals
            previousAt = instant
        }

        if let interval {
            // Ticks are fixed on the start time, so a late wake-up does not shift the rest.
            var tick = start.advanced(by: interval)
            while tick < end {
                do { try await Task.sleep(until: tick, clock: clock) } catch { interrupted = true; break }
                let now = clock.now
                try record(engine.snapshot(), at: now)
                tick = tick.advanced(by: interval)
            }
        }
        if !interrupted {
            do { try await Task.sleep(until: end, clock: clock) } catch { interrupted = true }
        }
        let stoppedAt = clock.now
        await engine.stop()
        let totals = engine.snapshot()
        let cpu = CPUTime.now().subtracting(cpuBefore)
        // The last piece, from the last tick to the stop; skipped when it is too short to mean
        // anything (an interrupt right after a tick).
        if interval != nil, (stoppedAt - previousAt) > .milliseconds(1) || totals.requests > previous.requests {
            try record(totals, at: stoppedAt)
        }
        return LoadResult(
            plan: plan, duration: (stoppedAt - start).seconds, cpu: cpu, totals: totals,
            intervals: intervals, startTime: startTime, interrupted: interrupted)
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
