/// How far a transfer of a known size got, as one line: pure rendering, drawn by
/// `TransferDisplay`.
public struct TransferProgress: Sendable, Equatable {
    /// What is moving: `uploading kloudbuster-agent`.
    public var label: String
    /// The bytes to move.
    public var total: UInt64
    /// The bytes moved.
    public var done: UInt64
    /// Since the transfer began.
    public var elapsed: Duration

    /// A transfer of `total` bytes, `done` of them after `elapsed`.
    public init(label: String, total: UInt64, done: UInt64, elapsed: Duration) {
        self.label = label
        self.total = total
        self.done = min(done, total)
        self.elapsed = elapsed
    }

    /// 0...1 (1 for an empty transfer).
    public var fraction: Double { total == 0 ? 1 : Double(done) / Double(total) }

    /// Bytes a second so far; nil in the first half second (too noisy to show).
    public var rate: Double? {
        let seconds = elapsed.inSeconds
        return seconds >= 0.5 ? Double(done) / seconds : nil
    }

    /// Seconds left at the rate so far; nil without a rate.
    public var secondsLeft: Int? {
        guard let rate, rate > 0 else { return nil }
        return Int((Double(total - done) / rate).rounded(.up))
    }

    /// `123.4 MiB/456.7 MiB  27%  35.2 MiB/s  9 s left`.
    var numbers: String {
        let percent = String(Int(fraction * 100))
        var text = ByteText.size(done) + "/" + ByteText.size(total) + "  " + String(repeating: " ", count: 3 - percent.count) + percent + "%"
        if let rate { text += "  " + ByteText.rate(rate) }
        if let secondsLeft, done < total { text += "  \(secondsLeft) s left" }
        return text
    }

    /// The line for a terminal, at most `width` characters (a longer one would wrap and a
    /// carriage return would redraw only its last row), with a bar when there is room.
    public func render(width: Int) -> String {
        guard width > 0 else { return "" }
        let numbers = numbers
        // The bar is sized for the widest numbers this transfer can show, so that it keeps its
        // length when the rate appears and the seconds left shrink.
        let widest = (ByteText.size(total) + "/" + ByteText.size(total) + "  100%  1023.9 MiB/s  9999 s left").count
        let cells = min(ProgressBar.maximumCells, width - label.count - max(numbers.count, widest) - 4)  // " [" "] "
        guard cells >= ProgressBar.minimumCells else { return String((label + " " + numbers).prefix(width)) }
        let filled = Int((fraction * Double(cells)).rounded(.down))
        return String((label + " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: cells - filled) + "] " + numbers).prefix(width))
    }

    /// The line for a log (not a terminal): `uploading x: 123.4 MiB/456.7 MiB  27%  ...`.
    public var logLine: String { label + ": " + numbers }
}
