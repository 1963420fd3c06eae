import Foundation

/// What the stress test reads on this host besides the database: the kernel's UDP receive
/// buffer drops and the health manager's log, each from where it stood when a step began.
struct HealthManagerWatch: Sendable {
    /// The HM's log file, if given.
    let logFile: String?
    /// Whether every HM is on loopback, so this host's UDP counters are the HM's.
    let local: Bool
    private var logOffset: UInt64 = 0
    private var drops: Int?

    init(logFile: String?, local: Bool) {
        self.logFile = logFile
        self.local = local
    }

    /// Remembers where the log ends and the drop counter stands.
    mutating func mark() {
        drops = local ? Self.receiveBufferErrors() : nil
        logOffset = logSize() ?? 0
    }

    /// The log's size now; nil without a log file.
    func logSize() -> UInt64? {
        logFile.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? UInt64 }
    }

    /// Drops since `mark`, nil when not local or unreadable.
    func dropsSinceMark() -> Int? {
        guard let before = drops, let now = Self.receiveBufferErrors() else { return nil }
        return max(0, now - before)
    }

    /// The log's warnings since `mark`; nil without a log file.
    func logSinceMark() -> HealthManagerLogCounts? {
        guard let logFile, let handle = FileHandle(forReadingAtPath: logFile) else { return nil }
        defer { try? handle.close() }
        try? handle.seek(toOffset: logOffset)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        var counts = HealthManagerLogCounts()
        for line in text.split(separator: "\n") {
            let lower = line.lowercased()
            if line.contains("THIS IS NOT GOOD") {
                counts.notGood += 1
            } else if lower.contains("hmac") {
                counts.hmacMismatches += 1
            } else if lower.contains("exception processing a heartbeat") || lower.contains("traceback") {
                counts.exceptions += 1
            }
        }
        return counts
    }

    /// `Udp: ... RcvbufErrors` of /proc/net/snmp (IPv4 and IPv6 together where both exist).
    static func receiveBufferErrors() -> Int? {
        var total: Int?
        for (file, prefix) in [("/proc/net/snmp", "Udp:"), ("/proc/net/snmp6", "Udp6RcvbufErrors")] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let lines = text.split(separator: "\n").filter { $0.hasPrefix(prefix) }
            if prefix == "Udp:", lines.count >= 2 {
                let names = lines[0].split(separator: " ")
                let values = lines[1].split(separator: " ")
                if let index = names.firstIndex(of: "RcvbufErrors"), index < values.count, let value = Int(values[index]) {
                    total = (total ?? 0) + value
                }
            } else if let line = lines.first, let value = line.split(separator: " ").last.flatMap({ Int($0) }) {
                total = (total ?? 0) + value
            }
        }
        return total
    }
}
