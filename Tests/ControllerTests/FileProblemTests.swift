import Foundation
import Testing
@testable import Controller

@Suite struct FileProblemTests {
    private static func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kb-fp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("reading a directory, a missing file or a non-UTF-8 file is said in plain words")
    func readReasons() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: FileProblem(.read, path: dir, error: CocoaError(.fileReadUnknown))) { try FileProblem.readText(dir) }
        let problem = #expect(throws: FileProblem.self) { try FileProblem.readText(dir) }
        #expect(problem?.description == "cannot read \(dir): is a directory")
        #expect((#expect(throws: FileProblem.self) { try FileProblem.readText(dir + "/none") })?.reason == "no such file or directory")
        let binary = dir + "/binary"
        try Data([0xff, 0xfe, 0x00, 0xc3]).write(to: URL(fileURLWithPath: binary))
        let text = #expect(throws: FileProblem.self) { try FileProblem.readText(binary) }
        #expect(text?.reason == "is not UTF-8 text")
        #expect(!(text?.description.contains("NSCocoaErrorDomain") ?? true))
    }

    @Test("an unreadable file is 'permission denied'", .enabled(if: getuid() != 0, "root reads every file"))
    func permissionDenied() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/secret"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: file)
        #expect((#expect(throws: FileProblem.self) { try FileProblem.readText(file) })?.reason == "permission denied")
    }

    @Test("writing to a directory or into a missing directory names the problem")
    func writeReasons() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect((#expect(throws: FileProblem.self) { try FileProblem.write("{}", to: dir) })?.reason == "is a directory")
        let missing = #expect(throws: FileProblem.self) { try FileProblem.write("{}", to: dir + "/no/result.json") }
        #expect(missing?.description == "cannot write \(dir)/no/result.json: its directory \(dir)/no does not exist")
        try FileProblem.write("{}", to: dir + "/result.json")
        #expect(try FileProblem.readText(dir + "/result.json") == "{}")
    }

    @Test("a state directory under a file cannot be created, and says why")
    func createDirectory() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "x".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
        let problem = FileProblem(.createDirectory, path: dir + "/file/state", error: CocoaError(.fileWriteUnknown))
        #expect(problem.reason == "\(dir)/file is not a directory")
        #expect(FileProblem(.createDirectory, path: dir + "/file", error: CocoaError(.fileWriteUnknown)).reason == "is a file, not a directory")
    }
}
