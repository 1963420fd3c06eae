/// Number formatting for reports, without Foundation's `String(format:)` (not in
/// FoundationEssentials) and with the units wrk uses, so that outputs compare at a glance.
enum Formatting {
    /// `value` with exactly `digits` decimals, e.g. fixed(3.14159, 2) == "3.14".
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return String(value) }
        let whole = UInt64(scaled)
        let sign = value < 0 && whole != 0 ? "-" : ""
        let integer = whole / UInt64(scale)
        guard digits > 0 else { return "\(sign)\(integer)" }
        var fraction = String(whole % UInt64(scale))
        fraction = String(repeating: "0", count: digits - fraction.count) + fraction
        return "\(sign)\(integer).\(fraction)"
    }

    /// A latency in microseconds as wrk prints it: "850.00us", "1.25ms", "2.00s".
    static func latency(_ microseconds: Double) -> String {
        if microseconds < 1_000 { return fixed(microseconds, 2) + "us" }
        if microseconds < 1_000_000 { return fixed(microseconds / 1_000, 2) + "ms" }
        if microseconds < 60_000_000 { return fixed(microseconds / 1_000_000, 2) + "s" }
        return fixed(microseconds / 60_000_000, 2) + "m"
    }

    /// A latency in whole microseconds.
    static func latency(_ microseconds: Int64) -> String { latency(Double(microseconds)) }

    /// A byte count with binary units: "512.00B", "17.76MB".
    static func bytes(_ count: Double) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = count
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return fixed(value, 2) + units[unit]
    }

    /// A whole number with thousands separators: "1,000,000".
    static func grouped(_ value: Double) -> String {
        let digits = Array(fixed(abs(value), 0))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return (value <= -0.5 ? "-" : "") + text
    }

    /// `text` right-aligned in `width` columns.
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// A rounded copy of `value` for JSON, so that outputs do not carry float noise.
    static func rounded(_ value: Double, _ digits: Int) -> Double {
        guard value.isFinite else { return 0 }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (value * scale).rounded() / scale
    }
}
