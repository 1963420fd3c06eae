import Agent
import Foundation
import Testing

/// File errors read as plain words, never as Foundation's error dumps.
@Suite struct PlainFileTests {
    @Test func writingIntoAMissingFolderSaysNoSuchDirectory() {
        do {
            try PlainFile.write(Array("x".utf8), to: "/nonexistent-kb-folder/run.hlog")
            Issue.record("the write succeeded")
        } catch {
            #expect(error.description == "cannot write /nonexistent-kb-folder/run.hlog: no such directory")
        }
    }

    @Test func readingAMissingFileSaysNoSuchFile() {
        do {
            _ = try PlainFile.read("/nonexistent-kb-folder/userdata.json")
            Issue.record("the read succeeded")
        } catch {
            #expect(error.description == "cannot read /nonexistent-kb-folder/userdata.json: no such file")
        }
    }

    @Test func whatIsWrittenIsReadBackAndFoldersAreMade() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kb-plainfile-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        try PlainFile.makeDirectories(folder.path + "/a/b")
        try PlainFile.makeDirectories(folder.path + "/a/b")  // existing folders are fine
        let bytes = Array(repeating: UInt8(ascii: "k"), count: 100_000)
        try PlainFile.write(bytes, to: folder.path + "/a/b/file")
        #expect(try PlainFile.read(folder.path + "/a/b/file") == bytes)
    }
}
