import CMariaDB
import Foundation

/// An Octavia database on MariaDB or MySQL, through the MariaDB C client.
///
/// Every call blocks the calling thread; callers use `OctaviaBlocking.run`. One instance is
/// used by one thread at a time (the client's rule for a connection handle).
public final class MariaDBDatabase: OctaviaDatabase {
    /// The URL, password masked.
    public let displayURL: String
    private let handle: UnsafeMutablePointer<MYSQL>

    /// `mysql_library_init` is not thread-safe; run it once before any `mysql_init`.
    private static let libraryReady: Bool = mysql_server_init(0, nil, nil) == 0

    /// Connects to `mysql://user:password@host:port/database` (5 s connect timeout).
    public init(url: String) throws {
        displayURL = OctaviaDatabaseOpener.maskPassword(url)
        let normalized = url.replacingOccurrences(of: #"^[a-z]+(\+[a-z]+)?://"#, with: "mysql://", options: .regularExpression)
        guard let components = URLComponents(string: normalized), let host = components.host,
              !components.path.dropFirst().isEmpty
        else {
            throw OctaviaDatabaseError(
                url: displayURL, problem: "is not a MariaDB URL",
                remedy: "write it as mysql://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters)")
        }
        guard Self.libraryReady, let handle = mysql_init(nil) else {
            throw OctaviaDatabaseError(url: displayURL, problem: "could not be opened: the MariaDB client failed to initialise", remedy: "check libmariadb3")
        }
        self.handle = handle
        var timeout: UInt32 = 5
        mysql_options(handle, MYSQL_OPT_CONNECT_TIMEOUT, &timeout)
        mysql_options(handle, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        let database = String(components.path.dropFirst())
        let port = UInt32(components.port ?? 3306)
        let connected = mysql_real_connect(
            handle, host, components.user ?? "", components.password, database, port, nil, 0)
        if connected == nil {
            let code = mysql_errno(handle)
            let message = String(cString: mysql_error(handle))
            // Every stored property is set, so deinit runs and closes the handle.
            throw Self.connectError(code: code, message: message, url: displayURL, host: host, port: port, database: database)
        }
    }

    deinit { mysql_close(handle) }

    /// The connection failure as a message that says what to do.
    private static func connectError(code: UInt32, message: String, url: String, host: String, port: UInt32, database: String) -> OctaviaDatabaseError {
        switch code {
        case 1045:  // ER_ACCESS_DENIED_ERROR
            return OctaviaDatabaseError(url: url, problem: "refused the user name or password (\(message))", remedy: "check the credentials in the URL (octavia.conf [database] connection)")
        case 1044, 1049:  // ER_DBACCESS_DENIED_ERROR, ER_BAD_DB_ERROR
            return OctaviaDatabaseError(url: url, problem: "has no database \(database) this user can use (\(message))", remedy: "check the database name at the end of the URL")
        case 2002, 2003, 2005, 2013:  // CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR, CR_UNKNOWN_HOST, CR_SERVER_LOST
            return OctaviaDatabaseError(url: url, problem: "is unreachable at \(host):\(port) (\(message))", remedy: "check that MariaDB runs and listens there (locally: scripts/octavia-local.sh up)")
        default:
            return OctaviaDatabaseError(url: url, problem: "refused the connection: error \(code) \(message)", remedy: "check the URL and the server's log")
        }
    }

    /// The last error of the connection, naming the statement's start.
    private func statementError(_ sql: String) -> OctaviaDatabaseError {
        OctaviaDatabaseError(
            url: displayURL,
            problem: "failed `\(sql.prefix(80))…`: error \(mysql_errno(handle)) \(String(cString: mysql_error(handle)))",
            remedy: "check that the schema is Octavia's at alembic head and that the user may write it")
    }

    @discardableResult
    public func execute(_ sql: String) throws -> Int {
        let status = sql.withCString { mysql_real_query(handle, $0, UInt(strlen($0))) }
        guard status == 0 else { throw statementError(sql) }
        if let result = mysql_store_result(handle) { mysql_free_result(result) }
        let affected = mysql_affected_rows(handle)
        return affected == UInt64.max ? 0 : Int(affected)
    }

    public func strings(_ sql: String) throws -> [String] {
        let status = sql.withCString { mysql_real_query(handle, $0, UInt(strlen($0))) }
        guard status == 0 else { throw statementError(sql) }
        guard let result = mysql_store_result(handle) else {
            if mysql_field_count(handle) == 0 { return [] }
            throw statementError(sql)
        }
        defer { mysql_free_result(result) }
        var values: [String] = []
        while let row = mysql_fetch_row(result) {
            values.append(row[0].map { String(cString: $0) } ?? "")
        }
        return values
    }

    /// TIMESTAMPDIFF against UTC_TIMESTAMP(6): the server's clock, in microseconds.
    public func ageMicroseconds(of column: String) -> String {
        "TIMESTAMPDIFF(MICROSECOND, \(column), UTC_TIMESTAMP(6))"
    }

    /// Octavia's MariaDB schema declares `last_update` DATETIME: whole seconds.
    public var timestampResolution: Double { 1 }

    public func quote(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var escaped = [CChar](repeating: 0, count: bytes.count * 2 + 1)
        let length = bytes.withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) {
                mysql_real_escape_string(handle, &escaped, $0.baseAddress, UInt(bytes.count))
            }
        }
        let body = escaped.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        return "'" + String(decoding: body, as: UTF8.self) + "'"
    }

    public func tableNames() throws -> Set<String> {
        Set(try strings("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"))
    }
}
