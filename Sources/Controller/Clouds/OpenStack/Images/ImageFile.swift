import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The disk formats `kloudbuster image upload` sends to Glance.
public enum DiskFormat: String, Sendable, CaseIterable {
    /// QEMU copy-on-write v2/v3 (what `make image` builds).
    case qcow2
    /// A plain disk, byte for byte.
    case raw
}

/// A VM image file on this machine, checked before anything is sent: it exists, is a regular
/// file this process can read, is not empty, and its format is known from its first bytes.
public struct ImageFile: Sendable, Equatable {
    /// The path as given.
    public let path: String
    /// Its size in bytes.
    public let size: UInt64
    /// The format its header says (qcow2 magic), else raw.
    public let detectedFormat: DiskFormat
    /// The disk size a qcow2 header declares (what the VM sees); nil for raw files.
    public let virtualSize: UInt64?

    /// The four bytes every qcow2 file starts with: "QFI\xfb".
    static let qcow2Magic: [UInt8] = [0x51, 0x46, 0x49, 0xFB]

    /// Opens `path` and reads its header.
    ///
    /// - Throws: `ImageFileError` naming the file and saying what is wrong with it.
    public init(path: String) throws(ImageFileError) {
        self.path = path
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ImageFileError(path: path, problem: FileProblem(.read, path: path, error: Self.posixError(errno)).reason)
        }
        let type = status.st_mode & mode_t(S_IFMT)
        if type == mode_t(S_IFDIR) { throw ImageFileError(path: path, problem: "is a directory; give the image file in it") }
        guard type == mode_t(S_IFREG) else { throw ImageFileError(path: path, problem: "is not a regular file") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ImageFileError(path: path, problem: FileProblem(.read, path: path, error: Self.posixError(errno)).reason)
        }
        defer { close(fd) }
        size = UInt64(status.st_size)
        guard size > 0 else { throw ImageFileError(path: path, problem: "is empty") }
        var header = [UInt8](repeating: 0, count: 512)
        let count = header.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else {
            throw ImageFileError(path: path, problem: FileProblem(.read, path: path, error: Self.posixError(errno)).reason)
        }
        header = Array(header.prefix(count))
        guard Array(header.prefix(4)) == Self.qcow2Magic else {
            detectedFormat = .raw
            virtualSize = nil
            return
        }
        guard header.count >= 32 else { throw ImageFileError(path: path, problem: "starts like a qcow2 file but its header is cut short") }
        let version = Self.bigEndian(header, at: 4, count: 4)
        guard version == 2 || version == 3 else {
            throw ImageFileError(path: path, problem: "is qcow2 version \(version); Glance and QEMU take versions 2 and 3")
        }
        // A backing file is a path on the machine that built the image: the cloud has none,
        // and Glance's format inspector refuses such images.
        guard Self.bigEndian(header, at: 8, count: 8) == 0 else {
            throw ImageFileError(
                path: path, problem: "is a qcow2 overlay with a backing file",
                remedy: "flatten it first: qemu-img convert -O qcow2 \(path) flat.qcow2")
        }
        detectedFormat = .qcow2
        virtualSize = Self.bigEndian(header, at: 24, count: 8)
    }

    /// The format to send: `requested` when given and consistent with the file, else the
    /// detected one.
    ///
    /// - Throws: `ImageFileError` when `requested` contradicts the file's header: a qcow2
    ///   uploaded as raw (or the reverse) would boot nothing.
    public func format(requested: DiskFormat?) throws(ImageFileError) -> DiskFormat {
        guard let requested, requested != detectedFormat else { return detectedFormat }
        switch requested {
        case .raw:
            throw ImageFileError(
                path: path, problem: "is a qcow2 image (it starts with QFI\\xfb), not raw",
                remedy: "drop --disk-format (qcow2 is detected), or convert it: qemu-img convert -O raw \(path) disk.raw")
        case .qcow2:
            throw ImageFileError(
                path: path, problem: "is not a qcow2 image (it does not start with QFI\\xfb)",
                remedy: "drop --disk-format to upload it as raw, or convert it: qemu-img convert -O qcow2 \(path) disk.qcow2")
        }
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
        bytes[offset..<offset + count].reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func posixError(_ code: Int32) -> NSError {
        NSError(domain: NSPOSIXErrorDomain, code: Int(code))
    }
}

/// An image file that cannot be uploaded: which file, what is wrong, what to do.
public struct ImageFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as given.
    public let path: String
    /// What is wrong, after "cannot upload image file PATH: ": "is a directory", "no such
    /// file or directory".
    public let problem: String
    /// What to do; nil when the problem says it.
    public let remedy: String?

    /// An error for `path`.
    public init(path: String, problem: String, remedy: String? = nil) {
        self.path = path
        self.problem = problem
        self.remedy = remedy
    }

    /// `cannot upload image file PATH: is a directory; ...`.
    public var description: String {
        "cannot upload image file \(path): \(problem)" + (remedy.map { "; \($0)" } ?? "")
    }
}
