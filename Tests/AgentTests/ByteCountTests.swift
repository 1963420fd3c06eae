import Agent
import Testing

@Suite struct ByteCountTests {
    @Test(arguments: [
        ("0", UInt64(0)), ("512", 512), ("1k", 1024), ("1K", 1024), ("4m", 4 << 20), ("1g", 1 << 30),
        ("2kb", 2048), ("1KiB", 1024), ("1.5k", 1536), ("100b", 100),
    ])
    func parsesBinaryMultipliers(text: String, expected: UInt64) throws {
        #expect(try ByteCount(parsing: text).bytes == expected)
    }

    @Test(arguments: ["", "-1k", "big", "1q", "2T"])
    func rejectsGarbageAndNegativeSizes(text: String) {
        #expect {
            try ByteCount(parsing: text)
        } throws: { error in
            "\(error)".contains("1k")
        }
    }
}
