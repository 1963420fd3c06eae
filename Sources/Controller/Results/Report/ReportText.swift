import Foundation

/// The text helpers of the HTML report: escaping and the compact number formats it prints.
///
/// Everything that comes from a result document or its configuration (labels, reasons, agent
/// ids, the YAML) is user text and goes through `escape` before it reaches the page.
enum ReportText {
    /// `text` safe inside an HTML element or a double- or single-quoted attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// `value` with at most `decimals` digits after the point and no trailing zeros:
    /// "12", "12.5", "-0.3". The report's coordinates and figures, as short as they can be.
    static func number(_ value: Double, decimals: Int = 1) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let units = Int64((value * scale).rounded())
        if units == 0 { return "0" }
        let sign = units < 0 ? "-" : ""
        let magnitude = units.magnitude
        let whole = magnitude / UInt64(scale)
        var fraction = magnitude % UInt64(scale)
        guard fraction > 0 else { return "\(sign)\(whole)" }
        var digits = decimals
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let text = String(fraction)
        return "\(sign)\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }

    /// A figure with thousands grouped by thin spaces: "12 345", "1 234.5".
    static func figure(_ value: Double, decimals: Int = 0) -> String {
        let text = number(value, decimals: decimals)
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        let parts = body.split(separator: ".", maxSplits: 1)
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = "\u{2009}" + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        grouped = whole + grouped
        return (negative ? "-" : "") + grouped + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// An integer figure.
    static func figure<Value: BinaryInteger>(_ value: Value) -> String { figure(Double(value)) }

    /// A latency in µs: "850 µs", "12.3 ms", "1.2 s".
    static func latency(_ microseconds: Double) -> String {
        if microseconds < 1_000 { return number(microseconds, decimals: 0) + "\u{202F}µs" }
        if microseconds < 1_000_000 { return number(microseconds / 1_000, decimals: microseconds < 10_000 ? 2 : 1) + "\u{202F}ms" }
        return number(microseconds / 1_000_000, decimals: 2) + "\u{202F}s"
    }

    /// A latency in µs.
    static func latency(_ microseconds: Int64) -> String { latency(Double(microseconds)) }

    /// A duration on a time axis: "0s", "45s", "2m", "1m30s", "1h05m".
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if h > 0 { return "\(h)h" + (m > 0 ? "\(two(m))m" : "") }
        return "\(m)m" + (s > 0 ? "\(two(s))s" : "")
    }

    /// The percentile of a "nines" position x = -log10(1 - p/100): "0", "90", "99.9".
    static func nines(_ x: Double) -> String {
        let p = 100 * (1 - pow(10, -x))
        return number(p, decimals: max(0, Int(x.rounded()) - 1)) + "%"
    }
}
