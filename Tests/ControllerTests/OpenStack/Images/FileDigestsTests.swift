@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// The digests compared with Glance's: OpenSSL's, checked against the standard vectors and
/// against coreutils over a file of several read chunks.
@Suite("FileDigests")
struct FileDigestsTests {
    func file(_ data: Data) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kb-digest-\(UUID().uuidString.prefix(8))")
        try data.write(to: url)
        return url.path
    }

    @Test("md5 and sha512 of \"abc\" are the FIPS/RFC 1321 vectors")
    func vectors() throws {
        let digests = try FileDigests.compute(path: file(Data("abc".utf8)), algorithms: ["md5", "SHA512"])
        #expect(digests.md5 == "900150983cd24fb0d6963f7d28e17f72")
        #expect(digests["sha512"] == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
    }

    @Test("over 3.5 MiB (four reads) the digests equal md5sum's and sha512sum's, and progress reaches the size")
    func matchesCoreutils() throws {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<(3 << 20) + (1 << 19)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let path = try file(data)
        var seen: [UInt64] = []
        let digests = try FileDigests.compute(path: path, algorithms: ["md5", "sha512", "sha256"]) { seen.append($0) }
        for (tool, algorithm) in [("md5sum", "md5"), ("sha512sum", "sha512"), ("sha256sum", "sha256")] {
            let result = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/\(tool)"), [path], timeout: 30)
            #expect(digests[algorithm] == result.stdout.split(separator: " ").first.map(String.init), "\(algorithm)")
        }
        #expect(seen == [1 << 20, 2 << 20, 3 << 20, UInt64(data.count)])
    }

    @Test("an unknown algorithm and an unreadable file are errors that say so")
    func errors() throws {
        let path = try file(Data("x".utf8))
        #expect(throws: FileDigestError.self) { try FileDigests.compute(path: path, algorithms: ["sha1024"]) }
        let missing = #expect(throws: ImageFileError.self) { try FileDigests.compute(path: path + ".gone", algorithms: ["md5"]) }
        #expect(missing?.problem == "no such file or directory")
    }
}
