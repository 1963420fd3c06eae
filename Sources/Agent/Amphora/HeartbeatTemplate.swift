/// An amphora's heartbeat with the counters left out: the JSON around them and the compressed
/// form of its constant beginning. An encoder fills in the sequence number and counters.
///
/// The JSON keys are ordered so that everything constant comes first (`id`, `ver`, the pools,
/// the first listener's status) and the counters and `seq` last; Octavia reads the body as a
/// JSON object, so key order is free. The constant beginning is deflated once, here; each
/// message then only encodes its tail. Make a new template when the status changes. A class, so
/// that handing one to the encoder per message costs one reference count, not one per array.
public final class HeartbeatTemplate: Sendable {
    /// What the template says.
    public let status: AmphoraStatus
    /// The JSON before the first number (a counter, or `seq` without listeners).
    let prefix: [UInt8]
    /// The constant JSON after each number, all in one array: after number `i` comes
    /// `segmentBytes[segmentStarts[i]..<segmentStarts[i + 1]]`. Numbers are, per listener in
    /// order, tx, rx, conns, totconns, ereq; then `seq`.
    let segmentBytes: [UInt8]
    let segmentStarts: [Int]
    /// `prefix` as the start of a zlib stream: header and blocks, ending on a byte boundary.
    let compressedPrefix: [UInt8]
    /// Adler-32 of `prefix`, to continue over the tail.
    let prefixAdler: UInt32
    /// The fixed-Huffman code bits of all of `segmentBytes` (8 a byte below 144, else 9).
    let segmentBits: Int

    /// How many numbers a message fills in: five per listener, then `seq`.
    var numberCount: Int { segmentStarts.count - 1 }

    /// The longest tail a message can have: every number at 20 digits.
    var maxTailLength: Int { segmentBytes.count + 20 * numberCount }

    init(status: AmphoraStatus, zlib: HeartbeatZlib) throws {
        var text = HeartbeatJSONText()
        text.render(status)
        let pieces = text.finish()
        self.status = status
        prefix = pieces[0]
        var bytes = [UInt8]()
        var starts = [0]
        for piece in pieces.dropFirst() {
            bytes += piece
            starts.append(bytes.count)
        }
        segmentBytes = bytes
        segmentStarts = starts
        compressedPrefix = try prefix.withUnsafeBytes { try zlib.compressPrefix($0) }
        prefixAdler = prefix.withUnsafeBytes { HeartbeatZlib.adler32(1, $0) }
        segmentBits = bytes.reduce(0) { $0 + ($1 < 144 ? 8 : 9) }
    }
}
