/// The constant JSON of a heartbeat, cut where the numbers go, in Python's `json.dumps` spacing
/// (`", "` and `": "`).
struct HeartbeatJSONText {
    private var pieces: [[UInt8]] = []
    private var current: [UInt8] = []

    mutating func render(_ status: AmphoraStatus) {
        raw("{\"id\": ")
        string(status.amphoraID)
        raw(", \"ver\": \(status.version.rawValue)")
        if status.version != .v1 {
            // Keyed "<pool_id>:<listener_id>", as a single-process amphora sends them.
            raw(", \"pools\": {")
            var first = true
            for listener in status.listeners {
                for pool in listener.pools {
                    if !first { raw(", ") }
                    first = false
                    string(pool.id + ":" + listener.id)
                    raw(": ")
                    render(pool)
                }
            }
            raw("}")
        }
        raw(", \"listeners\": {")
        for (index, listener) in status.listeners.enumerated() {
            if index > 0 { raw(", ") }
            string(listener.id)
            raw(": {\"status\": ")
            string(listener.status)
            if status.version == .v1 {
                raw(", \"pools\": {")
                for (poolIndex, pool) in listener.pools.enumerated() {
                    if poolIndex > 0 { raw(", ") }
                    string(pool.id)
                    raw(": ")
                    render(pool)
                }
                raw("}")
            }
            raw(", \"stats\": {\"tx\": ")
            number()
            raw(", \"rx\": ")
            number()
            raw(", \"conns\": ")
            number()
            raw(", \"totconns\": ")
            number()
            raw(", \"ereq\": ")
            number()
            raw("}}")
        }
        raw("}, \"seq\": ")
        number()
        raw("}")
    }

    private mutating func render(_ pool: AmphoraStatus.Pool) {
        raw("{\"status\": ")
        string(pool.status)
        raw(", \"members\": {")
        for (index, member) in pool.members.enumerated() {
            if index > 0 { raw(", ") }
            string(member.id)
            raw(": ")
            string(member.status)
        }
        raw("}}")
    }

    /// The pieces between the numbers: one more than there are numbers.
    mutating func finish() -> [[UInt8]] {
        pieces.append(current)
        current = []
        return pieces
    }

    private mutating func number() {
        pieces.append(current)
        current = []
    }

    private mutating func raw(_ text: String) {
        current += text.utf8
    }

    /// A JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    private mutating func string(_ text: String) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        current.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                current += [UInt8(ascii: "\\"), byte]
            case 0x0A:
                current += Array("\\n".utf8)
            case 0x0D:
                current += Array("\\r".utf8)
            case 0x09:
                current += Array("\\t".utf8)
            case ..<0x20:
                current += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default:
                current.append(byte)
            }
        }
        current.append(UInt8(ascii: "\""))
    }
}
