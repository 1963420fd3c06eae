#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Proto

extension LoadReport {
    /// The `--json` object, one line: requests, duration_s, rps, bytes_read, errors,
    /// error_reasons, status_codes,
    /// latency_us, histogram (V2 base64, µs), lag_us (with a rate), cpu and intervals (with an
    /// interval). Keys are sorted so that outputs compare line by line.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document()), as: UTF8.self)
    }

    /// The JSON document as Codable values (also what tests decode).
    public func document() -> Document {
        let totals = result.totals
        let latency = totals.latency
        return Document(
            requests: totals.requests,
            durationSeconds: Formatting.rounded(result.duration, 6),
            rps: Formatting.rounded(result.requestsPerSecond, 3),
            bytesRead: totals.bytesRead,
            errors: Errors(totals.errors),
            errorReasons: Dictionary(uniqueKeysWithValues: totals.errors.named.compactMap { kind in
                totals.errorReasons.reason(named: kind.name).flatMap { kind.count > 0 ? (kind.name, $0) : nil }
            }),
            statusCodes: Dictionary(uniqueKeysWithValues: totals.statusCodes.map { (String($0.key), $0.value) }),
            latency: Latency(
                p50: latency.value(atPercentile: 50), p75: latency.value(atPercentile: 75),
                p90: latency.value(atPercentile: 90), p99: latency.value(atPercentile: 99),
                p99_9: latency.value(atPercentile: 99.9), p99_99: latency.value(atPercentile: 99.99),
                p99_999: latency.value(atPercentile: 99.999), max: totals.latencyMax,
                mean: latency.totalCount > 0 ? Formatting.rounded(latency.mean, 1) : 0),
            histogram: latency.encodedV2Base64(),
            lag: result.plan.rate == nil ? nil : Lag(
                p50: totals.lag.value(atPercentile: 50), p99: totals.lag.value(atPercentile: 99),
                max: totals.lagMax, mean: totals.lag.totalCount > 0 ? Formatting.rounded(totals.lag.mean, 1) : 0),
            cpu: CPU(user: Formatting.rounded(result.cpu.user, 3), system: Formatting.rounded(result.cpu.system, 3)),
            intervals: result.intervals.isEmpty ? nil : result.intervals.map(Interval.init))
    }

    /// The top-level `--json` object.
    public struct Document: Codable, Sendable, Equatable {
        /// Complete responses.
        public var requests: UInt64
        /// Wall-clock seconds of load.
        public var durationSeconds: Double
        /// Responses per second.
        public var rps: Double
        /// Bytes received.
        public var bytesRead: UInt64
        /// Errors by kind.
        public var errors: Errors
        /// Why, for each kind with errors: the first such error in words ("connection refused").
        public var errorReasons: [String: String]
        /// Responses by status code ("0" for codes outside 100-599).
        public var statusCodes: [String: UInt64]
        /// Latency percentiles in microseconds.
        public var latency: Latency
        /// The latency histogram, HdrHistogram V2 compressed, base64, microseconds.
        public var histogram: String
        /// Send lag in microseconds; present only when a rate was set.
        public var lag: Lag?
        /// Process CPU time over the run.
        public var cpu: CPU
        /// The time series; present only with --interval.
        public var intervals: [Interval]?

        enum CodingKeys: String, CodingKey {
            case requests, rps, errors, histogram, cpu, intervals
            case durationSeconds = "duration_s", bytesRead = "bytes_read", statusCodes = "status_codes"
            case errorReasons = "error_reasons"
            case latency = "latency_us", lag = "lag_us"
        }
    }

    /// Errors by kind.
    public struct Errors: Codable, Sendable, Equatable {
        /// Connect and TLS handshake failures.
        public var connect: UInt64
        /// Receive failures and early closes.
        public var read: UInt64
        /// Send failures.
        public var write: UInt64
        /// Requests without a complete response in time.
        public var timeout: UInt64
        /// Responses with a status other than 2xx or 3xx.
        public var status: UInt64
        /// Responses that are not valid HTTP/1.x.
        public var parse: UInt64

        init(_ counts: ErrorCounts) {
            (connect, read, write) = (counts.connect, counts.read, counts.write)
            (timeout, status, parse) = (counts.timeout, counts.status, counts.parse)
        }
    }

    /// Latency percentiles, exact maximum and mean, in microseconds.
    public struct Latency: Codable, Sendable, Equatable {
        /// Percentiles 50 to 99.999.
        public var p50, p75, p90, p99, p99_9, p99_99, p99_999: Int64
        /// The exact largest latency.
        public var max: Int64
        /// The mean.
        public var mean: Double
    }

    /// Send lag against the rate schedule, in microseconds.
    public struct Lag: Codable, Sendable, Equatable {
        /// Median and 99th percentile.
        public var p50, p99: Int64
        /// The largest lag.
        public var max: Int64
        /// The mean.
        public var mean: Double
    }

    /// CPU seconds.
    public struct CPU: Codable, Sendable, Equatable {
        /// User-mode seconds.
        public var user: Double
        /// Kernel seconds.
        public var system: Double

        enum CodingKeys: String, CodingKey {
            case user = "user_s", system = "sys_s"
        }
    }

    /// One entry of the `intervals` array.
    public struct Interval: Codable, Sendable, Equatable {
        /// Start offset from the run's start, seconds.
        public var startSeconds: Double
        /// Length, seconds.
        public var durationSeconds: Double
        /// Complete responses.
        public var requests: UInt64
        /// Responses per second.
        public var rps: Double
        /// Bytes received.
        public var bytesRead: UInt64
        /// Errors of all kinds.
        public var errors: UInt64
        /// Latency percentiles and maximum in microseconds (from the interval's histogram).
        public var p50, p99, p99_9, max: Int64

        enum CodingKeys: String, CodingKey {
            case requests, rps, errors, p50, p99, p99_9, max
            case startSeconds = "t_s", durationSeconds = "duration_s", bytesRead = "bytes_read"
        }

        init(_ sample: IntervalSample) {
            let latency = sample.totals.latency
            startSeconds = Formatting.rounded(sample.startOffset, 3)
            durationSeconds = Formatting.rounded(sample.length, 3)
            requests = sample.totals.requests
            rps = Formatting.rounded(sample.requestsPerSecond, 3)
            bytesRead = sample.totals.bytesRead
            errors = sample.totals.errors.total
            p50 = latency.value(atPercentile: 50)
            p99 = latency.value(atPercentile: 99)
            p99_9 = latency.value(atPercentile: 99.9)
            max = latency.totalCount > 0 ? latency.maxValue : 0
        }
    }
}
