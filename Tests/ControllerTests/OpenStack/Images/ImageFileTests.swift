@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// What `kloudbuster image upload` learns from the file before anything is sent: its format
/// from its header, and every reason it cannot be uploaded, each naming the file.
@Suite("ImageFile: format detection and bad files")
struct ImageFileTests {
    /// A folder of its own per test.
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-imagefile-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A file with `bytes` in it.
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// A qcow2 header: magic, version, backing file offset, virtual size.
    func qcow2Header(version: UInt32 = 3, backingOffset: UInt64 = 0, virtualSize: UInt64 = 64 << 20) -> [UInt8] {
        func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        var header = ImageFile.qcow2Magic + bigEndian(version) + bigEndian(backingOffset) + bigEndian(UInt32(0)) + bigEndian(UInt32(16))
        header += bigEndian(virtualSize)
        return header + [UInt8](repeating: 0, count: 512 - header.count)
    }

    @Test("a file qemu-img made is qcow2, with its virtual size; a file of zeros is raw")
    func detectsFormats() throws {
        let qcow2 = directory.appendingPathComponent("disk.qcow2").path
        let made = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/qemu-img"), ["create", "-f", "qcow2", qcow2, "64M"], timeout: 30)
        try #require(made.status == 0, "qemu-img (Debian qemu-utils) is needed: \(made.stderr)")
        let image = try ImageFile(path: qcow2)
        #expect(image.detectedFormat == .qcow2)
        #expect(image.virtualSize == 64 << 20)
        #expect(image.size == UInt64(try FileManager.default.attributesOfItem(atPath: qcow2)[.size] as! Int))
        #expect(try image.format(requested: nil) == .qcow2)

        let raw = try ImageFile(path: file("disk.img", [UInt8](repeating: 0, count: 4096)))
        #expect(raw.detectedFormat == .raw && raw.virtualSize == nil && raw.size == 4096)
        #expect(try raw.format(requested: .raw) == .raw)
        // Shorter than the magic: raw, not a crash.
        #expect(try ImageFile(path: file("tiny", [0x51, 0x46])).detectedFormat == .raw)
    }

    @Test("a --disk-format that contradicts the header is refused, naming the file and the fix")
    func contradictingFormat() throws {
        let qcow2 = try ImageFile(path: file("a.qcow2", qcow2Header()))
        let asRaw = #expect(throws: ImageFileError.self) { try qcow2.format(requested: .raw) }
        #expect(asRaw?.description.contains("a.qcow2: is a qcow2 image") == true, "\(asRaw.map(String.init(describing:)) ?? "")")
        #expect(asRaw?.description.contains("qemu-img convert -O raw") == true)
        let raw = try ImageFile(path: file("b.qcow2", [UInt8](repeating: 7, count: 1024)))
        let asQcow2 = #expect(throws: ImageFileError.self) { try raw.format(requested: .qcow2) }
        #expect(asQcow2?.description.contains("b.qcow2: is not a qcow2 image") == true)
    }

    @Test("qcow2 overlays with a backing file, unknown versions and cut headers are refused")
    func badQcow2() throws {
        let overlay = #expect(throws: ImageFileError.self) { try ImageFile(path: file("overlay.qcow2", qcow2Header(backingOffset: 512))) }
        #expect(overlay?.problem == "is a qcow2 overlay with a backing file")
        #expect(overlay?.remedy?.contains("qemu-img convert -O qcow2") == true)
        let future = #expect(throws: ImageFileError.self) { try ImageFile(path: file("v4.qcow2", qcow2Header(version: 4))) }
        #expect(future?.problem.contains("version 4") == true)
        let cut = #expect(throws: ImageFileError.self) { try ImageFile(path: file("cut.qcow2", Array(qcow2Header().prefix(20)))) }
        #expect(cut?.problem.contains("cut short") == true)
    }

    @Test("a missing file, a directory, an empty file and a device are refused with the path and the reason")
    func unusableFiles() throws {
        let missing = directory.appendingPathComponent("nope.qcow2").path
        let cases: [(String, String)] = [
            (missing, "no such file or directory"),
            (directory.path, "is a directory"),
            (try file("empty.qcow2", []), "is empty"),
            ("/dev/null", "is not a regular file"),
        ]
        for (path, reason) in cases {
            let error = #expect(throws: ImageFileError.self) { try ImageFile(path: path) }
            #expect(error?.path == path)
            #expect(error?.description.hasPrefix("cannot upload image file \(path): \(reason)") == true, "\(error.map(String.init(describing:)) ?? "none")")
        }
    }
}
