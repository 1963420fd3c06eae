import Foundation

/// One axis of a report chart: its range in data units, how data maps onto it (linear or
/// logarithmic), its ticks with their labels, and its title.
struct ChartAxis {
    /// How values map onto the axis.
    enum Scale {
        /// Evenly.
        case linear
        /// By their logarithm (latencies that span decades).
        case logarithmic
    }

    /// One tick: where, and what it says.
    struct Tick {
        /// The value, in data units.
        var value: Double
        /// Its label.
        var label: String
    }

    /// How values map.
    var scale: Scale
    /// The lowest value shown.
    var lower: Double
    /// The highest value shown.
    var upper: Double
    /// The ticks, lowest first.
    var ticks: [Tick]
    /// What the axis measures, with its unit.
    var title: String

    /// Where `value` falls, 0 at `lower` and 1 at `upper` (clamped a little outside, so a line
    /// leaving the range stays drawable).
    func fraction(_ value: Double) -> Double {
        let position: Double
        switch scale {
        case .linear:
            position = upper > lower ? (value - lower) / (upper - lower) : 0
        case .logarithmic:
            let low = log10(max(lower, 1e-9)), high = log10(max(upper, 1e-9))
            position = high > low ? (log10(max(value, lower)) - low) / (high - low) : 0
        }
        return min(max(position, -0.02), 1.02)
    }

    /// A linear axis from `lower` to at least `highest`, ending on a round tick (1, 2, 2.5 or 5
    /// times a power of ten), with about five ticks labelled by `label`.
    static func linear(lower: Double = 0, highest: Double, title: String, label: (Double) -> String) -> ChartAxis {
        let top = highest > lower ? highest : lower + 1
        let rough = (top - lower) / 5
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let upper = lower + (((top - lower) / step) - 1e-9).rounded(.up) * step
        let count = Int(((upper - lower) / step).rounded())
        let ticks = (0...count).map { i in Tick(value: lower + Double(i) * step, label: label(lower + Double(i) * step)) }
        return ChartAxis(scale: .linear, lower: lower, upper: upper, ticks: ticks, title: title)
    }

    /// A logarithmic axis over whole decades around `lowest...highest` (values > 0), with
    /// ticks at 1, 2 and 5 per decade when there are few decades, else at each decade.
    static func logarithmic(lowest: Double, highest: Double, title: String, label: (Double) -> String) -> ChartAxis {
        let low = max(lowest, 1), high = max(highest, low * 10)
        let first = floor(log10(low)), last = ceil(log10(high))
        let decades = Int(last - first)
        var ticks: [Tick] = []
        for exponent in Int(first)...Int(last) {
            let base = pow(10, Double(exponent))
            for multiple in decades <= 3 ? [1.0, 2, 5] : [1.0] where base * multiple <= pow(10, last) {
                ticks.append(Tick(value: base * multiple, label: label(base * multiple)))
            }
        }
        return ChartAxis(scale: .logarithmic, lower: pow(10, first), upper: pow(10, last), ticks: ticks, title: title)
    }

    /// KloudBuster's percentile axis: x = -log10(1 - p/100), from 0 to `nines` (at least 2),
    /// labelled 0%, 90%, 99%, 99.9%, ...
    static func nines(_ nines: Int) -> ChartAxis {
        let top = max(2, nines)
        let ticks = (0...top).map { Tick(value: Double($0), label: ReportText.nines(Double($0))) }
        return ChartAxis(scale: .linear, lower: 0, upper: Double(top), ticks: ticks, title: "percentile")
    }

    /// A time axis of `seconds`, ticks on round seconds, minutes or hours (at most about 8).
    static func time(_ seconds: Double) -> ChartAxis {
        let span = max(seconds, 1)
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
        let step = steps.first { span / $0 <= 8 } ?? (span / 8).rounded(.up)
        let upper = (span / step - 1e-9).rounded(.up) * step
        let ticks = (0...Int((upper / step).rounded())).map { Tick(value: Double($0) * step, label: ReportText.clock(Double($0) * step)) }
        return ChartAxis(scale: .linear, lower: 0, upper: upper, ticks: ticks, title: "time since the first stage started")
    }
}
