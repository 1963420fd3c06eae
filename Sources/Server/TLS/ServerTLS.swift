import Controller
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
        let certificateText = try Self.read(certificateFile, option: "--tls-cert")
        let keyText = try Self.read(keyFile, option: "--tls-key")
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(certificateText.utf8))
        } catch {
            throw ServerTLSError("--tls-cert \(certificateFile): not a PEM certificate (\(error))")
        }
        guard !chain.isEmpty else { throw ServerTLSError("--tls-cert \(certificateFile): no PEM certificate in the file") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem)
        } catch {
            throw ServerTLSError("--tls-key \(keyFile): not an unencrypted PEM private key (\(error))")
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

    /// The text of `path`, or the reason it cannot be read (FileProblem's plain words).
    private static func read(_ path: String, option: String) throws -> String {
        do throws(FileProblem) {
            return try FileProblem.readText(path)
        } catch {
            throw ServerTLSError("\(option) \(path): \(error.reason)")
        }
    }
}

/// A certificate or key `kloudbuster serve` cannot use.
public struct ServerTLSError: Error, CustomStringConvertible {
    /// What was wrong and where.
    public let description: String

    init(_ description: String) { self.description = description }
}
