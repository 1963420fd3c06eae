/// A one-line progress bar, e.g. `booting VMs [#######.....]  7/20  35%  12.3 s  2 failed`.
/// Pure rendering: `StatusLine` draws it on a terminal.
public struct ProgressBar: Sendable, Equatable {
    /// What is progressing: `booting VMs`.
    public let label: String
    /// The number of steps.
    public let total: Int
    /// Steps done.
    public var done: Int
    /// Steps that failed (shown only when some did).
    public var failed: Int

    /// The widest the bar itself gets, so the numbers stay near the label on wide terminals.
    public static let maximumCells = 30
    /// Below this many cells the bar is left out and only the numbers are shown.
    public static let minimumCells = 5

    /// A bar of `total` steps.
    public init(label: String, total: Int, done: Int = 0, failed: Int = 0) {
        self.label = label
        self.total = max(0, total)
        self.done = done
        self.failed = failed
    }

    /// The fraction done, 0...1 (1 for nothing to do).
    public var fraction: Double {
        total == 0 ? 1 : Double(min(max(done, 0), total)) / Double(total)
    }

    /// The line, at most `width` characters: a longer one would wrap, and a carriage return
    /// would then redraw only its last row. The counts are padded to the total's width and the
    /// percentage to three digits, so the bar keeps its length while it fills.
    public func render(elapsed: Duration, width: Int) -> String {
        guard width > 0 else { return "" }
        let digits = String(total).count
        let count = String(min(max(done, 0), total))
        let counts = String(repeating: " ", count: max(0, digits - count.count)) + count + "/\(total)"
        let percent = String(Int(fraction * 100))
        var numbers = counts + "  " + String(repeating: " ", count: 3 - percent.count) + percent + "%"
        numbers += "  " + ConsoleReport.number(elapsed.inSeconds, decimals: 1) + " s"
        if failed > 0 { numbers += "  \(failed) failed" }
        let cells = min(Self.maximumCells, width - label.count - numbers.count - 4)  // " [" "] "
        let line: String
        if cells >= Self.minimumCells {
            let filled = Int((fraction * Double(cells)).rounded(.down))
            line = label + " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: cells - filled) + "] " + numbers
        } else {
            line = label + " " + numbers
        }
        return String(line.prefix(width))
    }
}
