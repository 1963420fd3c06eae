import Foundation

/// What a run left on this machine, found from the system alone (never from the ledger):
/// processes whose environment, command line or working folder names the run, and listening
/// sockets on the server port of the local cloud's addresses.
enum RunLeftovers {
    /// "pid 123 nginx: cwd …" for every process of the run still alive (zombies excluded).
    static func processes(runID: String) -> [String] {
        let me = getpid()
        var found: [String] = []
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        for pid in pids where pid != me {
            guard let stat = read("/proc/\(pid)/stat"), !isZombie(stat) else { continue }
            let command = read("/proc/\(pid)/cmdline")?.replacingOccurrences(of: "\0", with: " ") ?? ""
            let environment = read("/proc/\(pid)/environ") ?? ""
            let cwd = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) ?? ""
            var why: [String] = []
            if environment.contains("=\(runID)/") || environment.contains(runID) { why.append("environment") }
            if command.contains(runID) { why.append("command line") }
            if cwd.contains(runID) { why.append("working folder \(cwd)") }
            if !why.isEmpty { found.append("pid \(pid) [\(command.prefix(80))]: \(why.joined(separator: ", "))") }
        }
        return found
    }

    /// "127.1.0.2:8080" for every socket listening on `port` of 127.x.y.z with x ≥ 1 (the local
    /// cloud's addresses; 127.0.0.0/24 is the machine's own).
    static func listeners(port: Int = 8080) -> [String] {
        var found: [String] = []
        for line in (read("/proc/net/tcp") ?? "").split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[3] == "0A" else { continue }  // TCP_LISTEN
            let local = fields[1].split(separator: ":")
            guard local.count == 2, Int(local[1], radix: 16) == port, let raw = UInt32(local[0], radix: 16) else { continue }
            // Little-endian on x86: the first octet is the lowest byte.
            let octets = [raw & 0xff, (raw >> 8) & 0xff, (raw >> 16) & 0xff, raw >> 24]
            guard octets[0] == 127, octets[1] >= 1 else { continue }
            found.append(octets.map(String.init).joined(separator: ".") + ":\(port)")
        }
        return found
    }

    /// Everything above, for one run; empty when nothing is left.
    static func all(runID: String) -> [String] {
        processes(runID: runID) + listeners().map { "listening: \($0)" }
    }

    /// Polls until nothing of `runID` is left or `limit` passes; returns what is left then.
    static func awaitNone(runID: String, within limit: Duration) async -> [String] {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while true {
            let left = all(runID: runID)
            if left.isEmpty || ContinuousClock.now >= deadline { return left }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    private static func isZombie(_ stat: String) -> Bool {
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state == "Z" || state == "X"
    }

    private static func read(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }
}
