#if canImport(Glibc)
import Glibc
#endif

/// Heartbeats of many amphorae to one health manager, sent with as few system calls as the
/// kernel allows: what an agent simulating thousands of amphorae does every tick.
///
/// `append` checks and queues a heartbeat; `flush` (also run when `capacity` are queued) builds
/// them and sends them. With a `.cachedPrefix` encoder, heartbeats of nearly the same length are
/// padded to the same length with trailing JSON spaces (at most `maxPadding` bytes, each space
/// one byte) and handed to the kernel up to 64 at a time with UDP GSO; the health manager still
/// receives one ordinary datagram per heartbeat. Without GSO (old kernel, a route whose MTU is
/// smaller than a heartbeat) or with a `.zlib` encoder, each heartbeat is one `send`. Failures
/// are counted, never retried. Not thread-safe.
public final class HeartbeatBatch {
    /// The most padding added to make heartbeats the same length, in bytes.
    public static let maxPadding = 32

    private struct Pending {
        var template: HeartbeatTemplate
        var seq: UInt64
        var statsStart: Int
        var length: Int
    }

    private let encoder: HeartbeatEncoder
    private let socket: HeartbeatSocket
    /// Heartbeats queued before `append` flushes by itself.
    public let capacity: Int
    /// Heartbeats handed to the kernel.
    public private(set) var sent = 0
    /// Heartbeats that could not be built (too large) or sent.
    public private(set) var failed = 0
    /// Of `failed`, heartbeats refused for being over 65,507 bytes.
    public private(set) var oversize = 0
    /// Bytes of all heartbeats handed to the kernel, padding included.
    public private(set) var sentBytes = 0
    /// The last failure, for the log.
    public private(set) var lastError: HeartbeatError?
    /// False once the kernel said it has no UDP GSO.
    public private(set) var usesSegmentation: Bool

    private var pending: [Pending] = []
    private var stats: [ListenerStats] = []
    private var order: [Int] = []
    private var buffer = ScratchBuffer(capacity: HeartbeatEncoder.maxDatagramSize + 1)

    /// A batch building with `encoder` and sending on `socket`.
    public init(encoder: HeartbeatEncoder, socket: HeartbeatSocket, capacity: Int = 256) {
        self.encoder = encoder
        self.socket = socket
        self.capacity = max(1, capacity)
        usesSegmentation = encoder.compression == .cachedPrefix
        pending.reserveCapacity(self.capacity)
    }

    /// Queues the heartbeat numbered `seq` of `template`'s amphora. A heartbeat over the UDP
    /// limit, or with the wrong number of counters, is counted in `failed` and thrown.
    public func append(_ template: HeartbeatTemplate, seq: UInt64, stats counters: [ListenerStats]) throws {
        do {
            let length = try counters.withUnsafeBufferPointer { counters in
                try encoder.checkCount(template, counters)
                return usesSegmentation ? try encoder.checkedLength(template, seq: seq, stats: counters) : 0
            }
            pending.append(Pending(template: template, seq: seq, statsStart: stats.count, length: length))
            stats.append(contentsOf: counters)
        } catch let error as HeartbeatError {
            fail(1, error)
            throw error
        }
        if pending.count >= capacity { flush() }
    }

    /// Builds and sends everything queued.
    public func flush() {
        defer {
            pending.removeAll(keepingCapacity: true)
            stats.removeAll(keepingCapacity: true)
        }
        guard !pending.isEmpty else { return }
        if usesSegmentation {
            sendSegmented()
        } else {
            for index in pending.indices { sendOne(index) }
        }
    }

    /// Sorted by length, cut into runs of at most 64 whose lengths differ by `maxPadding` at
    /// most and whose total stays within one UDP payload; one send per run.
    private func sendSegmented() {
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: pending.indices)
        order.sort { pending[$0].length < pending[$1].length }
        var first = 0
        while first < order.count {
            let shortest = pending[order[first]].length
            var last = first
            while last + 1 < order.count, last + 1 - first < HeartbeatSocket.maxSegments {
                let next = pending[order[last + 1]].length
                guard next - shortest <= Self.maxPadding, (last + 2 - first) * next <= HeartbeatEncoder.maxDatagramSize else { break }
                last += 1
            }
            sendRun(order[first...last])
            first = last + 1
        }
    }

    private func sendRun(_ run: ArraySlice<Int>) {
        let size = pending[run.last!].length
        do {
            try stats.withUnsafeBufferPointer { all in
                var offset = 0
                for index in run {
                    let item = pending[index]
                    let counters = UnsafeBufferPointer(rebasing: all[item.statsStart..<item.statsStart + item.template.status.listeners.count])
                    let written = try encoder.encodeCached(
                        item.template, seq: item.seq, stats: counters, padding: size - item.length, to: buffer.base + offset)
                    assert(written == size, "heartbeat length \(written), computed \(size)")
                    offset += size
                }
            }
        } catch let error as HeartbeatError {
            return fail(run.count, error)
        } catch {
            return fail(run.count, .malformed("\(error)"))
        }
        let bytes = UnsafeRawBufferPointer(start: buffer.base, count: run.count * size)
        do {
            try socket.send(bytes, segmentSize: size)
            sent += run.count
            sentBytes += bytes.count
        } catch HeartbeatError.socket(let operation, let code) where [ENOPROTOOPT, EOPNOTSUPP, EINVAL, EIO].contains(code) {
            // No GSO here, or not for this size on this route: send the same datagrams one by one.
            if code == ENOPROTOOPT || code == EOPNOTSUPP { usesSegmentation = false }
            lastError = .socket(operation: operation, errno: code)
            for position in 0..<run.count {
                sendBytes(UnsafeRawBufferPointer(rebasing: bytes[position * size..<(position + 1) * size]))
            }
        } catch let error as HeartbeatError {
            fail(run.count, error)
        } catch {
            fail(run.count, .malformed("\(error)"))
        }
    }

    private func sendOne(_ index: Int) {
        let item = pending[index]
        let counters = Array(stats[item.statsStart..<item.statsStart + item.template.status.listeners.count])
        do {
            try encoder.withDatagram(item.template, seq: item.seq, stats: counters) { sendBytes($0) }
        } catch let error as HeartbeatError {
            fail(1, error)
        } catch {
            fail(1, .malformed("\(error)"))
        }
    }

    private func sendBytes(_ datagram: UnsafeRawBufferPointer) {
        do {
            try socket.send(datagram)
            sent += 1
            sentBytes += datagram.count
        } catch let error as HeartbeatError {
            fail(1, error)
        } catch {
            fail(1, .malformed("\(error)"))
        }
    }

    private func fail(_ count: Int, _ error: HeartbeatError) {
        failed += count
        if case .datagramTooLarge = error { oversize += count }
        lastError = error
    }
}
