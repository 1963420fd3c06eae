import Foundation

/// The original stresshm tool's configuration file (`--config-file stresshm.conf`): an INI
/// file whose `[health_manager]` and `[test_params]` keys become the stress test's defaults.
///
/// Read keys: `controller_ip_port_list`, `heartbeat_key`, `heartbeat_interval`,
/// `heartbeat_version` (0 means "omit ver", which Octavia reads as version 1), and
/// `test_runtime_secs`, `octavia_db_connection`, `load_balancers`, `listeners`, `pools`,
/// `members`, `l7policies`, `l7rules`. `health_monitors` and `[test_params] heartbeat_interval`
/// are accepted and ignored, as stresshm ignored them. Any other key is an error naming its
/// line, so a typo does not silently fall back to a default.
public struct StresshmConfig: Sendable, Equatable {
    /// `controller_ip_port_list`: comma-separated HOST:PORT.
    public var endpoints: String?
    /// `heartbeat_key`.
    public var key: String?
    /// `[health_manager] heartbeat_interval`, seconds.
    public var interval: Double?
    /// `heartbeat_version` (0 read as 1).
    public var version: Int?
    /// `test_runtime_secs`.
    public var duration: Double?
    /// `octavia_db_connection`.
    public var database: String?
    /// `load_balancers`.
    public var loadBalancers: Int?
    /// `listeners` per load balancer.
    public var listeners: Int?
    /// `pools` per listener.
    public var pools: Int?
    /// `members` per pool.
    public var members: Int?
    /// `l7policies` per listener.
    public var l7policies: Int?
    /// `l7rules` per policy.
    public var l7rules: Int?

    /// A problem in the file: where and what.
    public struct Problem: Error, CustomStringConvertible {
        /// `file:line: what is wrong`.
        public let description: String
    }

    /// Reads `path`.
    public static func load(_ path: String) throws -> StresshmConfig {
        let text: String
        do throws(FileProblem) {
            text = try FileProblem.readText(path)
        } catch {
            throw Problem(description: "cannot read the stresshm configuration \(path): \(error.reason); give the path of a readable stresshm.conf")
        }
        return try parse(text, file: path)
    }

    /// Parses the text of a stresshm.conf.
    public static func parse(_ text: String, file: String) throws -> StresshmConfig {
        var config = StresshmConfig()
        var section = ""
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            func fail(_ problem: String) -> Problem { Problem(description: "\(file):\(number + 1): \(problem)") }
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw fail("section header \"\(line)\" has no closing ]") }
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw fail("\"\(line)\" is not KEY = VALUE") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            func int() throws -> Int {
                guard let number = Int(value), number >= 0 else { throw fail("\(key) = \"\(value)\" is not a whole number >= 0") }
                return number
            }
            func seconds() throws -> Double {
                guard let number = Double(value), number > 0 else { throw fail("\(key) = \"\(value)\" is not a number of seconds > 0") }
                return number
            }
            switch (section, key) {
            case ("DEFAULT", "debug"): continue
            case ("health_manager", "controller_ip_port_list"): config.endpoints = value
            case ("health_manager", "heartbeat_key"): config.key = value
            case ("health_manager", "heartbeat_interval"): config.interval = try seconds()
            case ("health_manager", "heartbeat_version"):
                let version = try int()
                guard version <= 3 else { throw fail("heartbeat_version = \(value); give 0 (no ver, read as 1), 1, 2 or 3") }
                config.version = max(1, version)
            case ("test_params", "test_runtime_secs"): config.duration = try seconds()
            case ("test_params", "octavia_db_connection"): config.database = value
            case ("test_params", "load_balancers"): config.loadBalancers = try int()
            case ("test_params", "listeners"): config.listeners = try int()
            case ("test_params", "pools"): config.pools = try int()
            case ("test_params", "members"): config.members = try int()
            case ("test_params", "l7policies"): config.l7policies = try int()
            case ("test_params", "l7rules"): config.l7rules = try int()
            case ("test_params", "health_monitors"), ("test_params", "heartbeat_interval"): continue
            default:
                throw fail("unknown key \(key) in [\(section)]; stresshm.conf keys are [health_manager] controller_ip_port_list, heartbeat_key, heartbeat_interval, heartbeat_version and [test_params] test_runtime_secs, octavia_db_connection, load_balancers, listeners, pools, members, l7policies, l7rules")
            }
        }
        return config
    }
}
