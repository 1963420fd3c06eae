import Foundation

/// Run ids: `kb-YYYYMMDD-HHMM-xxxx` (UTC, four random hex digits), e.g. `kb-20261122-0836-ab12`.
///
/// Every resource name carries the run id, and OpenStack names and hostnames are short, so the
/// id is 21 characters, sorts by start time, and is still readable in `runs list`.
public enum RunID {
    /// A fresh id for a run starting at `date`.
    public static func make(at date: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return "kb-" + pad(c.year!, 4) + pad(c.month!, 2) + pad(c.day!, 2) + "-" + pad(c.hour!, 2)
            + pad(c.minute!, 2) + "-" + String(repeating: "0", count: 4 - suffix.count) + suffix
    }

    /// True when `text` has the shape of a run id (it may still be unknown to the ledger).
    public static func isWellFormed(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "kb"
            && parts[1].count == 8 && parts[1].allSatisfy(\.isASCIIDigit)
            && parts[2].count == 4 && parts[2].allSatisfy(\.isASCIIDigit)
            && parts[3].count == 4 && parts[3].allSatisfy(\.isHexDigit)
    }

    /// The length of every run id.
    public static let length = 21

    /// The run id a resource name begins with, when it begins with a well-formed run id
    /// followed by `-` (`kb-20261122-0836-ab12-s0-r0` → `kb-20261122-0836-ab12`); nil otherwise.
    /// A bare `kb-` is never enough: other tools and people use that prefix too.
    public static func prefix(of name: String) -> String? {
        let candidate = name.prefix(length)
        guard candidate.count == length, name.dropFirst(length).first == "-", isWellFormed(String(candidate)) else { return nil }
        return String(candidate)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
