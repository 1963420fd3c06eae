import CCurl
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How far a streamed transfer got, and whether it is to stop: written by the thread that
/// performs it, read by whoever shows progress, stopped by task cancellation.
public final class TransferCounter: Sendable {
    private let state = Mutex<(bytes: UInt64, stopped: Bool)>((0, false))

    /// A counter at zero.
    public init() {}

    /// The bytes transferred so far.
    public var bytes: UInt64 { state.withLock { $0.bytes } }

    /// Whether `stop()` was called.
    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// Records progress; false when the transfer is to stop.
    func record(_ bytes: UInt64) -> Bool {
        state.withLock { state in
            state.bytes = bytes
            return !state.stopped
        }
    }

    /// Asks the transfer to stop at its next progress check (within a second).
    public func stop() {
        state.withLock { $0.stopped = true }
    }
}

/// A file sent as a request's body, streamed from disk: an image of several GB never sits in
/// memory.
public struct UploadBody: Sendable {
    /// The file.
    public var path: String
    /// Its size in bytes (the Content-Length).
    public var length: UInt64
    /// The most bytes a second to send; nil for as fast as the link goes.
    public var maxBytesPerSecond: UInt64?
    /// A transfer that moves no byte for this long is abandoned.
    public var stallTimeout: Duration
    /// Where progress goes; `stop()` on it aborts the transfer.
    public var counter: TransferCounter

    /// The body of `length` bytes of `path`.
    public init(path: String, length: UInt64, maxBytesPerSecond: UInt64? = nil, stallTimeout: Duration = .seconds(120),
                counter: TransferCounter = TransferCounter()) {
        self.path = path
        self.length = length
        self.maxBytesPerSecond = maxBytesPerSecond
        self.stallTimeout = stallTimeout
        self.counter = counter
    }
}

extension OpenStackTransport {
    /// Sends one request whose body is `body`'s file, read as it goes out; bounded by the stall
    /// timeout, not by `timeout` (a large image takes as long as the link needs). Cancelling
    /// the task aborts the transfer within a second and throws `CancellationError`.
    ///
    /// - Throws: `OpenStackAPIError` when no reply came (its detail names the file when
    ///   reading it failed), `CancellationError` when the task was cancelled.
    func upload(method: String, url: URL, headers: [String: String], body: UploadBody, operation: String) async throws -> APIReply {
        let request = "\(method) \(url.absoluteString)"
        let exchange = UploadExchange(
            method: method, url: url.absoluteString, headers: headers.map { "\($0.key): \($0.value)" }, body: body, caFile: caCertFile)
        let pool = self.pool
        let counter = body.counter
        let outcome: UploadExchange.Outcome = await withTaskCancellationHandler {
            await pool.perform { exchange.perform(on: $0) }
        } onCancel: {
            counter.stop()
        }
        switch outcome {
        case .reply(let status, let headers, let data):
            return APIReply(status: status, headers: headers, data: data)
        case .stopped:
            throw CancellationError()
        case .unreadable(let reason):
            throw OpenStackAPIError(
                operation: operation, request: request, status: nil, kind: .other, detail: "cannot read \(body.path): \(reason)",
                remedy: "check the file (was it removed or truncated while it was sent?)")
        case .failure(let message, let stalled):
            if stalled {
                throw OpenStackAPIError(
                    operation: operation, request: request, status: nil, kind: .timeout,
                    detail: "no byte moved for \(body.stallTimeout)", remedy: "check the link to the image service and that it runs")
            }
            throw OpenStackAPIError(operation: operation, request: request, status: nil, kind: .connection, detail: message)
        }
    }
}

/// One upload's inputs, copied so that the thread that performs it owns them.
struct UploadExchange: Sendable {
    enum Outcome: Sendable {
        case reply(status: Int, headers: [String: String], data: Data)
        /// The counter was stopped (the task was cancelled).
        case stopped
        /// The file could not be opened or read.
        case unreadable(String)
        case failure(message: String, stalled: Bool)
    }

    let method: String
    let url: String
    let headers: [String]
    let body: UploadBody
    let caFile: String?

    /// libcurl's progress callback: records the bytes sent, and says stop once the counter is
    /// stopped. A C function pointer captures nothing: the counter comes through `context`.
    private static let progress: kb_curl_progress_fn = { context, sent in
        guard let context else { return 0 }
        return Unmanaged<TransferCounter>.fromOpaque(context).takeUnretainedValue().record(sent) ? 0 : 1
    }

    /// Blocks until the exchange is over.
    func perform(on handle: CurlHandle) -> Outcome {
        let fd = open(body.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .unreadable(String(cString: strerror(errno))) }
        defer { close(fd) }
        var reply = kb_curl_reply()
        defer { kb_curl_reply_free(&reply) }
        let cHeaders = headers.map { strdup($0) }
        defer { cHeaders.forEach { free($0) } }
        let counter = body.counter
        let stallSeconds = max(1, Int(body.stallTimeout.components.seconds))
        let result: Int32 = withExtendedLifetime(counter) {
            var options = kb_curl_upload_options(
                fd: fd, length: body.length, max_bytes_per_second: Int64(clamping: body.maxBytesPerSecond ?? 0),
                stall_seconds: stallSeconds, progress: Self.progress, context: Unmanaged.passUnretained(counter).toOpaque())
            return cHeaders.map { UnsafePointer($0) }.withUnsafeBufferPointer { headerPointers in
                kb_curl_upload(handle.pointer, method, url, headerPointers.baseAddress, headers.count, &options, caFile, &reply)
            }
        }
        guard result == 0 else {
            if reply.aborted != 0 { return .stopped }
            if reply.read_errno != 0 { return .unreadable(String(cString: strerror(reply.read_errno))) }
            let message = withUnsafeBytes(of: reply.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return .failure(message: message, stalled: reply.timed_out != 0)
        }
        let data = reply.body.map { Data(bytes: $0, count: reply.body_length) } ?? Data()
        let headerText = reply.headers.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: reply.headers_length), as: UTF8.self) } ?? ""
        return .reply(status: reply.status, headers: CurlExchange.parseHeaders(headerText), data: data)
    }
}
