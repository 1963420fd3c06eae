import CCurl
import Foundation
import Synchronization

/// Sends HTTP requests for the driver through libcurl, each on a thread of its own, with a
/// bound on every request and keep-alive connections reused between calls.
///
/// Not URLSession: on Linux its libcurl driver spins while a reply is outstanding (about 80 %
/// of a core per slow request, measured here), which starved the very cloud under test on a
/// small controller. A blocking `curl_easy_perform` on its own thread costs nothing while it
/// waits, and never blocks the cooperative pool.
public struct OpenStackTransport: Sendable {
    /// The longest any request may take, reply included.
    public let timeout: Duration
    let caCertFile: String?
    let pool: CurlHandlePool

    /// A transport whose requests each time out after `timeout`; `caCertFile` is the CA bundle
    /// for TLS endpoints (OS_CACERT). At most `maxIdleConnections` handles keep their
    /// connections between calls.
    public init(timeout: Duration = .seconds(60), caCertFile: String? = nil, maxIdleConnections: Int = 16) {
        self.timeout = timeout
        self.caCertFile = caCertFile
        self.pool = CurlHandlePool(maxIdle: maxIdleConnections)
    }

    /// Sends one request and returns status, lowercased headers and body; never throws for an
    /// HTTP status, only for a failure to get a reply.
    func send(method: String, url: URL, headers: [String: String], body: Data?, operation: String) async throws -> APIReply {
        let timeoutMs = Int(timeout.components.seconds) * 1000 + Int(timeout.components.attoseconds / 1_000_000_000_000_000)
        let exchange = CurlExchange(
            method: method, url: url.absoluteString, headers: headers.map { "\($0.key): \($0.value)" }, body: body,
            timeoutMs: timeoutMs, caFile: caCertFile)
        let outcome = await pool.perform { exchange.perform(on: $0) }
        let request = "\(method) \(url.absoluteString)"
        switch outcome {
        case .reply(let status, let headers, let data):
            return APIReply(status: status, headers: headers, data: data)
        case .failure(let message, let timedOut):
            if timedOut {
                throw OpenStackAPIError(operation: operation, request: request, status: nil, kind: .timeout, detail: "no reply within \(timeout)")
            }
            let tls = message.lowercased().contains("ssl") || message.lowercased().contains("certificate")
            throw OpenStackAPIError(
                operation: operation, request: request, status: nil, kind: .connection, detail: message,
                remedy: tls ? "give the cloud's CA bundle with OS_CACERT (or `cacert:` in clouds.yaml)" : nil)
        }
    }
}

/// One request's inputs, copied so the thread that performs it owns them.
struct CurlExchange: Sendable {
    enum Outcome: Sendable {
        case reply(status: Int, headers: [String: String], data: Data)
        case failure(message: String, timedOut: Bool)
    }

    let method: String
    let url: String
    let headers: [String]
    let body: Data?
    let timeoutMs: Int
    let caFile: String?

    /// Blocks until the exchange is over.
    func perform(on handle: CurlHandle) -> Outcome {
        var reply = kb_curl_reply()
        defer { kb_curl_reply_free(&reply) }
        let cHeaders = headers.map { strdup($0) }
        defer { cHeaders.forEach { free($0) } }
        let result: Int32 = cHeaders.map { UnsafePointer($0) }.withUnsafeBufferPointer { headerPointers in
            (body ?? Data()).withUnsafeBytes { bodyBytes in
                kb_curl_perform(
                    handle.pointer, method, url, headerPointers.baseAddress, headers.count,
                    body == nil ? nil : bodyBytes.baseAddress, body?.count ?? 0, timeoutMs, caFile, &reply)
            }
        }
        guard result == 0 else {
            let message = withUnsafeBytes(of: reply.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return .failure(message: message, timedOut: reply.timed_out != 0)
        }
        let data = reply.body.map { Data(bytes: $0, count: reply.body_length) } ?? Data()
        let headerText = reply.headers.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: reply.headers_length), as: UTF8.self) } ?? ""
        return .reply(status: reply.status, headers: Self.parseHeaders(headerText), data: data)
    }

    /// The header lines of a reply by lowercased name.
    static func parseHeaders(_ text: String) -> [String: String] {
        var parsed: [String: String] = [:]
        for line in text.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return parsed
    }
}

/// A libcurl easy handle: one exchange at a time, its connections cached between exchanges.
final class CurlHandle: @unchecked Sendable {
    // @unchecked: the pool hands a handle to one thread at a time; nothing else touches it.
    let pointer: OpaquePointer

    init() {
        guard let pointer = kb_curl_create() else { fatalError("libcurl could not allocate a handle (out of memory?)") }
        self.pointer = pointer
    }

    deinit {
        kb_curl_destroy(pointer)
    }
}

/// Idle handles, so that consecutive calls reuse kept-alive connections.
final class CurlHandlePool: Sendable {
    private let idle = Mutex<[CurlHandle]>([])
    private let maxIdle: Int

    init(maxIdle: Int) {
        self.maxIdle = maxIdle
    }

    func take() -> CurlHandle {
        idle.withLock { $0.popLast() } ?? CurlHandle()
    }

    func give(back handle: CurlHandle) {
        idle.withLock { handles in
            if handles.count < maxIdle { handles.append(handle) }
        }
    }

    /// Runs `body` with a handle on a thread of its own: libcurl blocks, and the cooperative
    /// pool (two threads here) must not.
    func perform<Outcome: Sendable>(_ body: @escaping @Sendable (CurlHandle) -> Outcome) async -> Outcome {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                let handle = self.take()
                let outcome = body(handle)
                self.give(back: handle)
                continuation.resume(returning: outcome)
            }
            thread.stackSize = 256 * 1024
            thread.start()
        }
    }
}
