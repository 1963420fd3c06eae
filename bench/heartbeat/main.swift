// Amphora heartbeats built and sent per CPU-second by the agent's encoder (HeartbeatEncoder +
// HeartbeatSocket), against a local UDP sink. See bench/README.md and bench/heartbeat-rate.sh.
//   kb-bench-heartbeat send PORT COUNT [cached|zlib] [each|batch|none] [AMPHORAE]
//       COUNT heartbeats of AMPHORAE (1000) amphorae, one JSON line on stdout: CPU seconds of
//       the loop (getrusage), heartbeats per CPU-second, mean datagram bytes, send errors
//   kb-bench-heartbeat sink PORT_FILE [IDLE_S]    binds 127.0.0.1:0, writes its port, counts
//                                                 datagrams until IDLE_S seconds pass without one
import Agent
import Glibc

/// A deterministic UUID-shaped id, so that every run (and the Python loop) sends the same bodies.
func uuid(_ kind: Int, _ index: Int) -> String {
    let hex = String(index, radix: 16)
    let tail = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    return "\(kind)\(kind)\(kind)\(kind)\(kind)\(kind)\(kind)\(kind)-\(kind)\(kind)\(kind)\(kind)-4\(kind)\(kind)\(kind)-8\(kind)\(kind)\(kind)-\(tail)"
}

/// The bench shape: 2 listeners, 1 pool each, 2 members each (as Python's loop builds it).
func amphora(_ index: Int) -> AmphoraStatus {
    let listeners = (0..<2).map { l in
        let n = index * 2 + l
        return AmphoraStatus.Listener(
            id: uuid(2, n), status: "OPEN",
            pools: [.init(id: uuid(3, n), status: "UP", members: [.init(id: uuid(4, 2 * n), status: "no check"), .init(id: uuid(4, 2 * n + 1), status: "no check")])])
    }
    return AmphoraStatus(amphoraID: uuid(1, index), version: .v3, listeners: listeners)
}

/// How the bench sends: one `send` per heartbeat, or `HeartbeatBatch` (UDP GSO), or not at all.
enum Sending: String {
    case each, batch, none
}

func run(port: Int, count: Int, compression: HeartbeatEncoder.Compression, sending: Sending, amphorae: Int) throws {
    let encoder = try HeartbeatEncoder(key: "insecure", compression: compression)
    let socket = try HeartbeatSocket(host: "127.0.0.1", port: port)
    let batch = HeartbeatBatch(encoder: encoder, socket: socket)
    let templates = try (0..<amphorae).map { try encoder.template(for: amphora($0)) }
    var stats = [ListenerStats(), ListenerStats()]
    var bytes = 0, errors = 0
    let start = CPUTime.now()
    for seq in 0..<count {
        let template = templates[seq % amphorae]
        // Counters that change every message, as v3 deltas do.
        stats[0] = ListenerStats(tx: UInt64(seq & 0xFFFF) * 1024, rx: UInt64(seq & 0xFFF) * 512, conns: UInt64(seq & 7), totconns: UInt64(seq & 63), ereq: 0)
        stats[1] = ListenerStats(tx: UInt64(seq & 0xFFF) * 100, rx: UInt64(seq & 0xFF) * 64, conns: 1, totconns: UInt64(seq & 15), ereq: UInt64(seq & 1))
        switch sending {
        case .batch:
            try batch.append(template, seq: UInt64(seq), stats: stats)
        case .each, .none:
            bytes += try encoder.withDatagram(template, seq: UInt64(seq), stats: stats) { datagram in
                if sending == .each {
                    do { try socket.send(datagram) } catch { errors += 1 }
                }
                return datagram.count
            }
        }
    }
    batch.flush()
    let used = CPUTime.now().subtracting(start)
    if sending == .batch {
        bytes = batch.sentBytes
        errors = batch.failed
    }
    let name = "swift-" + (compression == .cachedPrefix ? "cached" : "zlib") + (sending == .batch ? "-gso" : sending == .none ? "-encode-only" : "")
    let cpu = used.user + used.system
    print(
        "{\"tool\": \"\(name)\", \"count\": \(count), \"cpu_s\": \(cpu), \"user_s\": \(used.user), \"sys_s\": \(used.system), "
            + "\"per_cpu_s\": \(Double(count) / cpu), \"mean_bytes\": \(bytes / max(count, 1)), \"send_errors\": \(errors)}")
}

func sink(portFile: String, idle: Int) {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    var size: Int32 = 16 << 20
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(fd, $0, length); _ = getsockname(fd, $0, &length) }
    }
    var timeout = timeval(tv_sec: idle, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let file = fopen(portFile + ".tmp", "w")
    fputs("\(UInt16(bigEndian: address.sin_port))\n", file)
    fclose(file)
    rename(portFile + ".tmp", portFile)
    var buffer = [UInt8](repeating: 0, count: 65_536)
    var received = 0
    while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) >= 0 { received += 1 }
    print("{\"tool\": \"sink\", \"received\": \(received)}")
}

let arguments = CommandLine.arguments
switch (arguments.count > 1 ? arguments[1] : "", arguments.count) {
case ("send", 4...7):
    let compression: HeartbeatEncoder.Compression = arguments.count > 4 && arguments[4] == "zlib" ? .zlib(level: 9) : .cachedPrefix
    let sending = arguments.count > 5 ? Sending(rawValue: arguments[5]) ?? .each : .each
    try run(
        port: Int(arguments[2])!, count: Int(arguments[3])!, compression: compression, sending: sending,
        amphorae: arguments.count > 6 ? Int(arguments[6])! : 1000)
case ("sink", 3...4):
    sink(portFile: arguments[2], idle: arguments.count > 3 ? Int(arguments[3])! : 3)
default:
    let usage = "usage: kb-bench-heartbeat send PORT COUNT [cached|zlib] [each|batch|none] [AMPHORAE] | sink PORT_FILE [IDLE_S]\n"
    _ = usage.withCString { write(2, $0, strlen($0)) }
    exit(2)
}
