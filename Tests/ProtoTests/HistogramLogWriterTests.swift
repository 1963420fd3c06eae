import Foundation
import Testing

@testable import Proto

@Suite("HdrHistogram interval log writer")
struct HistogramLogWriterTests {
    @Test("Python's HistogramLogReader reads our log back interval by interval")
    func pythonReadsOurLog() throws {
        struct Request: Encodable { let path: String }
        struct Interval: Decodable { let start: Double; let end: Double; let total: Int64; let max: Int64; let p99: Int64 }
        struct Answer: Decodable { let startTime: Double; let intervals: [Interval] }

        let startTime = 1_700_000_123.456
        let writer = HistogramLogWriter(startTime: startTime, comment: "KloudBuster test\nsecond line")
        var generator = SeededGenerator(seed: 11)
        var histograms: [Histogram] = []
        var text = writer.header
        for second in 0..<6 {
            var histogram = Histogram()
            for _ in 0..<(second * 400) { histogram.record(generator.latency(upTo: 5e6)) }
            histograms.append(histogram)
            text += writer.line(for: histogram, startOffset: Double(second), length: 1)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kb-\(UUID().uuidString).hlog")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let answer = try PythonReference.call("hlog", Request(path: file.path), as: Answer.self)
        #expect(abs(answer.startTime - startTime) < 0.0005)
        try #require(answer.intervals.count == histograms.count)
        for (second, (interval, histogram)) in zip(answer.intervals, histograms).enumerated() {
            #expect(interval.total == histogram.totalCount, "interval \(second) count")
            #expect(interval.max == histogram.maxValue, "interval \(second) max")
            #expect(interval.p99 == histogram.value(atPercentile: 99), "interval \(second) p99")
            // The reader reports absolute times in ms: StartTime/BaseTime plus our offset.
            #expect(abs(interval.start - (startTime + Double(second)) * 1_000) < 1, "interval \(second) start")
            #expect(abs(interval.end - interval.start - 1_000) < 1, "interval \(second) length")
        }
    }

    @Test("the header has the comment, version, StartTime, BaseTime and legend lines")
    func header() {
        let header = HistogramLogWriter(startTime: 1_700_000_000.25, comment: "run 7").header
        let lines = header.split(separator: "\n").map(String.init)
        #expect(lines == [
            "#run 7",
            "#[Histogram log format version 1.3]",
            "#[StartTime: 1700000000.250 (seconds since epoch), 2023-11-14T22:13:20Z]",
            "#[BaseTime: 1700000000.250 (seconds since epoch)]",
            "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"",
        ])
        #expect(header.hasSuffix("\n"))
    }

    @Test("an interval line carries offset, length, max in seconds and the Base64 histogram")
    func intervalLine() throws {
        var histogram = Histogram()
        histogram.record(1_500)
        histogram.record(12_345_678)
        let line = HistogramLogWriter(startTime: 0).line(for: histogram, startOffset: 12.5, length: 1)
        #expect(line.hasSuffix("\n"))
        let fields = line.dropLast().split(separator: ",").map(String.init)
        try #require(fields.count == 4)
        #expect(fields[0] == "12.500")
        #expect(fields[1] == "1.000")
        // maxValue is the top of 12,345,678's 8,192-wide bucket, printed in seconds.
        #expect(histogram.maxValue == 12_353_535)
        #expect(fields[2] == "12.353535")
        #expect(try Histogram(decodingV2Base64: fields[3]) == histogram)
    }

    @Test("fixed-point and UTC date formatting")
    func formatting() {
        #expect(HistogramLogWriter.fixed(0, decimals: 3) == "0.000")
        #expect(HistogramLogWriter.fixed(1.0005, decimals: 6) == "1.000500")
        #expect(HistogramLogWriter.fixed(-2.5, decimals: 3) == "-2.500")
        #expect(HistogramLogWriter.fixed(0.0004, decimals: 3) == "0.000")
        #expect(HistogramLogWriter.fixed(3_600.000001, decimals: 6) == "3600.000001")
        #expect(HistogramLogWriter.utcTimestamp(0) == "1970-01-01T00:00:00Z")
        #expect(HistogramLogWriter.utcTimestamp(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(HistogramLogWriter.utcTimestamp(-1) == "1969-12-31T23:59:59Z")
        #expect(HistogramLogWriter.utcTimestamp(4_102_444_799.9) == "2099-12-31T23:59:59Z")
    }
}
