import CCrypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Hex digests of a file by algorithm name (`md5`, `sha512`, ...: the names Glance reports in
/// `os_hash_algo`), computed by OpenSSL in one pass over the file.
///
/// The only place in the controller that imports CCrypto.
public struct FileDigests: Sendable, Equatable {
    /// Lowercase hex digest by lowercase algorithm name.
    public let values: [String: String]

    /// The digest of `algorithm`, if it was computed.
    public subscript(algorithm: String) -> String? { values[algorithm.lowercased()] }

    /// The MD5 digest Glance calls `checksum`.
    public var md5: String? { values["md5"] }

    /// Reads `path` once and computes every digest of `algorithms`; `progress` is told the
    /// bytes read so far after each chunk. Cancelling the task stops it between chunks.
    ///
    /// - Throws: `ImageFileError` when the file cannot be read, `FileDigestError` for an
    ///   algorithm OpenSSL does not know, `CancellationError`.
    public static func compute(path: String, algorithms: [String], progress: (UInt64) -> Void = { _ in }) throws -> FileDigests {
        let digesters = try algorithms.map { try Digester(algorithm: $0.lowercased()) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageFileError(path: path, problem: String(cString: strerror(errno)).lowercased()) }
        defer { close(fd) }
        // Large reads: the page cache hands them over at memory speed, and one syscall per MiB
        // keeps the digests, not the kernel, the cost.
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total: UInt64 = 0
        while true {
            try Task.checkCancellation()
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw ImageFileError(path: path, problem: String(cString: strerror(errno)).lowercased()) }
            if count == 0 { break }
            buffer.withUnsafeBytes { bytes in
                for digester in digesters { digester.update(UnsafeRawBufferPointer(rebasing: bytes[..<count])) }
            }
            total += UInt64(count)
            progress(total)
        }
        return FileDigests(values: Dictionary(uniqueKeysWithValues: digesters.map { ($0.algorithm, $0.finish()) }))
    }

    /// Digests given as values (tests, replies).
    public init(values: [String: String]) {
        self.values = Dictionary(values.map { ($0.key.lowercased(), $0.value.lowercased()) }, uniquingKeysWith: { first, _ in first })
    }
}

/// An algorithm name OpenSSL does not know.
public struct FileDigestError: Error, Sendable, CustomStringConvertible {
    /// The name.
    public let algorithm: String
    /// What went wrong.
    public var description: String { "OpenSSL has no digest algorithm named \(algorithm)" }
}

/// One running OpenSSL digest.
final class Digester {
    // Not Sendable: one digester lives inside one `compute` call.
    let algorithm: String
    private let context: OpaquePointer

    init(algorithm: String) throws {
        guard let md = EVP_get_digestbyname(algorithm), let context = EVP_MD_CTX_new() else {
            throw FileDigestError(algorithm: algorithm)
        }
        guard EVP_DigestInit_ex(context, md, nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw FileDigestError(algorithm: algorithm)
        }
        self.algorithm = algorithm
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        // EVP_DigestUpdate fails only on a context that was never initialised.
        _ = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    /// The digest as lowercase hex; the digester is spent afterwards.
    func finish() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &digest, &length)
        return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }
}

extension FileDigests {
    /// The SHA-256 of `text`'s UTF-8 bytes as lowercase hex (API tokens are kept this way).
    static func sha256(_ text: String) -> String {
        // SHA-256 is always known to OpenSSL 3.
        let digester = try! Digester(algorithm: "sha256")
        var bytes = Array(text.utf8)
        bytes.withUnsafeBytes { digester.update($0) }
        bytes.removeAll()
        return digester.finish()
    }
}
