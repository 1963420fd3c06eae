extension Configuration {
    /// `client`: the load generators. Only the HTTP keys are typed here; the multicast and
    /// storage sections are validated and kept in the tree (and in `effectiveYAML()`) so that
    /// KloudBuster files load, but this implementation runs HTTP tests only.
    /// `prompt_before_run` is refused unless false (`ConfigurationSchema`), so it is not read.
    public struct Client: Sendable, Equatable {
        /// `flavor`: Nova flavor of the client VMs (OpenStack only).
        public var flavor: Flavor
        /// `use_floatingip`: a floating IP per client VM (OpenStack only).
        public var useFloatingIP: Bool
        /// `availability_zone`: `zone` or `zone:host`; nil = Nova decides (OpenStack only).
        public var availabilityZone: String?
        /// `progression`: stages with a growing number of active clients.
        public var progression: Progression
        /// `http_tool_configs`: the load each client applies.
        public var httpTool: HTTPTool

        init(_ reader: ConfigurationReader) {
            flavor = Flavor(reader.child("flavor"))
            useFloatingIP = reader.bool("use_floatingip")
            availabilityZone = reader.optionalString("availability_zone")
            progression = Progression(reader.child("progression"))
            httpTool = HTTPTool(reader.child("http_tool_configs"))
        }
    }

    /// `client.http_tool_configs`: the load each client VM applies to its paired server.
    public struct HTTPTool: Sendable, Equatable {
        /// How connections are used.
        public enum ConnectionType: String, Sendable, Equatable {
            /// `Keep-alive`: each connection carries request after request.
            case keepAlive = "Keep-alive"
            /// `New`: a connection per request, closed after the reply.
            case new = "New"
        }

        /// `threads`: engine threads per client.
        public var threads: Int
        /// `connections`: concurrent connections per client.
        public var connections: Int
        /// `rate_limit`: requests per second per client; nil = unlimited (0 in YAML).
        public var rateLimit: Int?
        /// `send_window`: with a rate, the schedule's quantum; zero sends each request at its own time.
        public var sendWindow: Duration
        /// `timeout`: how long a request may take before it counts as a timeout.
        public var timeout: Duration
        /// `connection_type`.
        public var connectionType: ConnectionType
        /// `report_interval`: time between interval reports; nil = only the final report (0 in YAML).
        public var reportInterval: Duration?
        /// `duration`: how long the load runs.
        public var duration: Duration

        init(_ reader: ConfigurationReader) {
            threads = reader.int("threads")
            connections = reader.int("connections")
            let rate = reader.int("rate_limit")
            rateLimit = rate == 0 ? nil : rate
            sendWindow = reader.duration("send_window")
            timeout = reader.duration("timeout")
            // The validator accepted the word case-insensitively; map it to the spelling.
            let type = reader.string("connection_type").lowercased()
            connectionType = type == "new" ? .new : .keepAlive
            let interval = reader.duration("report_interval")
            reportInterval = interval == .zero ? nil : interval
            duration = reader.duration("duration")
        }
    }

    /// `client.progression`: run stages with more and more active clients, staging once,
    /// until all clients run or a stage breaks the stop limit.
    public struct Progression: Sendable, Equatable {
        /// `enabled`.
        public var enabled: Bool
        /// `vm_start`: true (1) = the first stage has one client; false (0) = `vmMultiple`.
        public var startsWithOne: Bool
        /// `vm_multiple`: clients added per stage.
        public var vmMultiple: Int
        /// `http_stop_limit[0]`: the most socket errors and timeouts a stage may have.
        public var maxSocketErrors: Int
        /// `http_stop_limit[1]`: the percentile of requests that must finish within the
        /// timeout; nil = no latency check (0 in YAML).
        public var timeoutPercentile: Double?

        /// The active client counts of the stages for `total` clients, as KloudBuster steps:
        /// start 1, multiple 2 → 1, 2, 4, 6, ...; start 0, multiple 5 → 5, 10, 15, ...
        /// Counts never exceed `total`; the last stage is `total` when that is not a step.
        public func stageCounts(total: Int) -> [Int] {
            guard total > 0 else { return [] }
            var counts = startsWithOne ? [1] : []
            var next = vmMultiple
            while next < total {
                if next > (counts.last ?? 0) { counts.append(next) }
                next += vmMultiple
            }
            if counts.last != total { counts.append(total) }
            return counts
        }

        init(_ reader: ConfigurationReader) {
            enabled = reader.bool("enabled")
            startsWithOne = reader.int("vm_start") == 1
            vmMultiple = reader.int("vm_multiple")
            let limit = reader.value("http_stop_limit").elements ?? []
            maxSocketErrors = limit.first.flatMap { if case let .int(v) = $0.scalar { v } else { nil } } ?? 0
            let percentile = limit.last?.scalar?.number ?? 0
            timeoutPercentile = percentile == 0 ? nil : percentile
        }
    }
}
