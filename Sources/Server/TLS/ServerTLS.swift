import Foundation
import NIOSSL

/// The certificate and key `kloudbuster serve --tls-cert --tls-key` serves HTTPS with, read
/// and checked before the socket is bound: a wrong file fails the command, not the first
/// client's handshake.
public struct ServerTLS: Sendable {
    /// The configuration the listener uses (TLS 1.2 and later).
    let configuration: TLSConfiguration

    /// Reads the PEM certificate chain at `certificateFile` and the PEM private key at
    /// `keyFile`, and checks that they belong together.
    ///
    /// - Throws: `ServerTLSError` naming the file and the option that gave it.
    public init(certificateFile: String, keyFile: String) throws {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw ServerTLSError("--tls-cert \(certificateFile): \(Self.describe(error, file: certificateFile, what: "a PEM certificate"))")
        }
        guard !chain.isEmpty else { throw ServerTLSError("--tls-cert \(certificateFile): no PEM certificate in the file") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw ServerTLSError("--tls-key \(keyFile): \(Self.describe(error, file: keyFile, what: "an unencrypted PEM private key"))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            // Building the context is where BoringSSL compares the key with the certificate.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ServerTLSError("--tls-key \(keyFile) does not fit --tls-cert \(certificateFile) (\(error)): give the key the certificate was issued for")
        }
        self.configuration = configuration
    }

    /// What went wrong with `file`, for a person.
    static func describe(_ error: any Error, file: String, what: String) -> String {
        if !FileManager.default.fileExists(atPath: file) { return "no such file" }
        if !FileManager.default.isReadableFile(atPath: file) { return "not readable by this user" }
        return "not \(what) (\(error))"
    }
}

/// A certificate or key `kloudbuster serve` cannot use.
public struct ServerTLSError: Error, CustomStringConvertible {
    /// What was wrong and where.
    public let description: String

    init(_ description: String) { self.description = description }
}
