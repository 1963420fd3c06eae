#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 GET for the agent's own housekeeping (nginx's stub_status,
/// readiness checks): one request, `Connection: close`, bounded by a timeout. It runs on a
/// dedicated thread, never on the cooperative pool. Load goes through CHttpGen instead.
enum LoopbackHTTP {
    /// A response: status code and body.
    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
    }

    /// GETs `path` from `address:port`; nil when nothing answered a valid response in time.
    static func get(address: String, port: Int, path: String, timeout: Duration = .seconds(2)) async -> Response? {
        await DedicatedThread.run { getBlocking(address: address, port: port, path: path, timeout: timeout) }
    }

    private static func getBlocking(address: String, port: Int, path: String, timeout: Duration) -> Response? {
        var storage = sockaddr_storage()
        var length: socklen_t = 0
        if !fill(&storage, &length, address: address, port: port) { return nil }
        let fd = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let seconds = timeout.components.seconds
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) == 0 }
        }
        guard connected else { return nil }
        let host = address.contains(":") ? "[\(address)]" : address
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            return nil
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while received.count < 4 * 1024 * 1024 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received += buffer[0..<n]
            } else if n == 0 {
                break
            } else if errno == EINTR {
                continue
            } else {
                return nil
            }
        }
        return parse(received)
    }

    private static func parse(_ bytes: [UInt8]) -> Response? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.firstRange(of: separator) else { return nil }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { return nil }
        return Response(status: status, body: Array(bytes[end.upperBound...]))
    }

    private static func fill(_ storage: inout sockaddr_storage, _ length: inout socklen_t, address: String, port: Int) -> Bool {
        withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                if inet_pton(AF_INET, address, &v4.pointee.sin_addr) == 1 {
                    v4.pointee.sin_family = sa_family_t(AF_INET)
                    v4.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                    length = socklen_t(MemoryLayout<sockaddr_in>.size)
                    return true
                }
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    guard inet_pton(AF_INET6, address, &v6.pointee.sin6_addr) == 1 else { return false }
                    v6.pointee.sin6_family = sa_family_t(AF_INET6)
                    v6.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                    length = socklen_t(MemoryLayout<sockaddr_in6>.size)
                    return true
                }
            }
        }
    }
}
