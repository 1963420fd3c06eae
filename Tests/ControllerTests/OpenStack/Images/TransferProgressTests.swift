@testable import Controller
import Testing

/// The progress line of uploads and checksums: bounded by the terminal's width, numbers that
/// add up, and a log line for outputs that are not terminals.
@Suite("TransferProgress and ByteText")
struct TransferProgressTests {
    @Test("sizes and rates in binary units")
    func byteText() {
        #expect(ByteText.size(512) == "512 B")
        #expect(ByteText.size(1536) == "1.5 KiB")
        #expect(ByteText.size(257_234_944) == "245.3 MiB")
        #expect(ByteText.size(3 << 30) == "3.0 GiB")
        #expect(ByteText.rate(10 * 1_048_576) == "10.0 MiB/s")
    }

    @Test("a quarter done after 2 s: 25 %, the rate so far, the seconds left, and never wider than the terminal")
    func rendering() {
        let progress = TransferProgress(label: "uploading kloudbuster-agent", total: 400 << 20, done: 100 << 20, elapsed: .seconds(2))
        #expect(progress.rate == Double(50 << 20))
        #expect(progress.secondsLeft == 6)
        #expect(progress.logLine == "uploading kloudbuster-agent: 100.0 MiB/400.0 MiB   25%  50.0 MiB/s  6 s left")
        for width in [1, 20, 40, 80, 200] {
            #expect(progress.render(width: width).count <= width)
        }
        #expect(progress.render(width: 120).contains("[#######"))
        #expect(!progress.render(width: 60).contains("["), "too narrow for a bar: numbers only")
        // The bar keeps its length from the first redraw (no rate yet) to the last.
        let bars = [(0, Duration.milliseconds(200)), (100 << 20, .seconds(2)), (400 << 20, .seconds(8))].map { done, elapsed in
            TransferProgress(label: "uploading kloudbuster-agent", total: 400 << 20, done: UInt64(done), elapsed: elapsed)
                .render(width: 100).split(separator: "]").first.map(\.count)
        }
        #expect(Set(bars).count == 1 && bars.first != nil, "\(bars)")
        // No rate in the first half second; nothing left once done; done never exceeds total.
        #expect(TransferProgress(label: "x", total: 10, done: 5, elapsed: .milliseconds(100)).rate == nil)
        #expect(!TransferProgress(label: "x", total: 10, done: 20, elapsed: .seconds(1)).logLine.contains("left"))
        #expect(TransferProgress(label: "x", total: 10, done: 20, elapsed: .seconds(1)).fraction == 1)
    }

    @Test("--limit-rate values: binary multipliers; zero, negative and unknown units are refused")
    func rates() {
        #expect(ByteRateArgument(argument: "500k")?.bytesPerSecond == 512_000)
        #expect(ByteRateArgument(argument: "10M")?.bytesPerSecond == 10 << 20)
        #expect(ByteRateArgument(argument: "1.5g")?.bytesPerSecond == 3 << 29)
        #expect(ByteRateArgument(argument: "4096")?.bytesPerSecond == 4096)
        for bad in ["0", "-1M", "10x", "", "M", "1e3"] {
            #expect(ByteRateArgument(argument: bad) == nil, "\(bad)")
        }
    }
}
