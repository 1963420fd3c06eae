import Proto
#if canImport(Glibc)
import Glibc
#endif

/// The nginx configuration of an `http-server` agent, sized for the connections the run
/// expects it to hold.
///
/// One nginx worker holds about 20,000 connections here (the per-process descriptor limit
/// is 20,000 and cannot be raised), so the worker count grows with the expected connections
/// and `reuseport` gives each worker its own listening socket, which the kernel balances;
/// without it, one worker tends to accept everything.
public struct NginxConfiguration: Sendable, Equatable {
    /// Connections one worker is planned to hold, leaving descriptors for logs and listeners.
    public static let connectionsPerWorker = ServerSizing.connectionsPerWorker

    /// Address to listen on (the server VM's address).
    public var address: String
    /// Port to listen on.
    public var port: Int
    /// Size of the page served at `/`, in bytes.
    public var htmlSize: Int
    /// Connections the clients will open against this server in total.
    public var expectedConnections: Int
    /// Folder for the configuration, the page, the pid file, logs and temp files.
    public var directory: String
    /// The CPUs of the machine nginx runs on, which bound its workers.
    public var cpus: Int

    /// A configuration; `capacityProblem` says whether nginx can hold what it expects.
    public init(
        address: String, port: Int, htmlSize: Int, expectedConnections: Int, directory: String,
        cpus: Int = NginxConfiguration.onlineCPUs
    ) {
        self.address = address
        self.port = port
        self.htmlSize = htmlSize
        self.expectedConnections = expectedConnections
        self.directory = directory
        self.cpus = max(1, cpus)
    }

    /// This machine's online CPUs.
    public static var onlineCPUs: Int { ServerSizing.onlineCPUs }

    /// Why nginx cannot hold `expectedConnections` on this machine, or nil when it can.
    public var capacityProblem: String? {
        ServerSizing.capacityProblem(connections: expectedConnections, cpus: cpus)
    }

    /// Worker processes: one per `connectionsPerWorker` expected connections, never more than
    /// `ServerSizing.maxWorkers(cpus:)`.
    public var workers: Int {
        min(ServerSizing.neededWorkers(connections: expectedConnections), ServerSizing.maxWorkers(cpus: cpus))
    }

    /// Connections each worker may hold: its share plus headroom for reconnects, never more
    /// than its descriptors allow.
    public var workerConnections: Int {
        min(Self.connectionsPerWorker + 512, expectedConnections / workers + 1024)
    }

    /// Path of the configuration file.
    public var configurationPath: String { directory + "/nginx.conf" }
    /// Path of the page served at `/`.
    public var pagePath: String { directory + "/html/index.html" }

    /// The configuration file's text.
    public var text: String {
        let user = geteuid() == 0 ? "user root;\n" : ""
        let listen = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
        return """
            # Written by kb-agent for an http-server role.
            \(user)worker_processes \(workers);
            worker_rlimit_nofile \(workerConnections + 256);
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log warn;
            events {
                worker_connections \(workerConnections);
                use epoll;
                multi_accept on;
            }
            http {
                access_log off;
                # Load tests measure the data plane, not connection churn the server imposes.
                keepalive_requests 1000000000;
                keepalive_timeout 300s;
                client_body_temp_path \(directory)/tmp/body;
                proxy_temp_path \(directory)/tmp/proxy;
                fastcgi_temp_path \(directory)/tmp/fastcgi;
                uwsgi_temp_path \(directory)/tmp/uwsgi;
                scgi_temp_path \(directory)/tmp/scgi;
                server {
                    listen \(listen) reuseport backlog=8192;
                    root \(directory)/html;
                    location = / {
                        default_type text/html;
                        try_files /index.html =404;
                    }
                    location = /nginx_status {
                        stub_status;
                        # The agent polls from the address nginx listens on (in a VM, not
                        # loopback); clients load other paths and never see the counters.
                        allow \(address);
                        allow 127.0.0.0/8;
                        allow ::1;
                        deny all;
                    }
                }
            }

            """
    }

    /// The page: `htmlSize` bytes of valid-looking HTML.
    public var page: [UInt8] {
        let head = Array("<html><body>".utf8), tail = Array("</body></html>\n".utf8)
        guard htmlSize >= head.count + tail.count else { return Array(repeating: UInt8(ascii: "x"), count: htmlSize) }
        return head + Array(repeating: UInt8(ascii: "x"), count: htmlSize - head.count - tail.count) + tail
    }
}
