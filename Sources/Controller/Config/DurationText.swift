import Foundation

/// Durations as KloudBuster reads them everywhere, in YAML values and in command-line options:
/// `500ms`, `30s`, `2m`, `1h`, or a bare number of seconds (`30`, `1.5`), kept to the
/// millisecond.
///
/// One parser for both, so a value copied from `--duration` into a file (or back) means the
/// same thing.
public enum DurationText {
    /// The accepted forms, as error messages list them.
    public static let forms = "`500ms`, `30s`, `2m`, `1h` or a bare number of seconds (`30`, `1.5`)"

    /// The units, longest suffix first so that `ms` is not read as `m` followed by garbage.
    private static let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]

    /// The duration `text` names, or nil when it is not one of `forms` or is negative. Case and
    /// surrounding spaces do not matter (`2M`, ` 30s`); zero is returned as zero, so callers
    /// decide whether it means something.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty else { return nil }
        let unit = units.first { trimmed.hasSuffix($0.suffix) && Double(trimmed.dropLast($0.suffix.count)) != nil }
        let number = trimmed.dropLast(unit?.suffix.count ?? 0)
        // `Double` also reads `inf`, `nan` and hex floats; only plain decimal numbers are durations.
        guard number.allSatisfy({ ("0"..."9").contains($0) || $0 == "." }), let value = Double(number) else { return nil }
        return duration(seconds: value * (unit?.seconds ?? 1))
    }

    /// `seconds` as a `Duration` rounded to the millisecond; nil when negative or not finite.
    public static func duration(seconds: Double) -> Duration? {
        guard seconds.isFinite, seconds >= 0, seconds < 1e12 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
