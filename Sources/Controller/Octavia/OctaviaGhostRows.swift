import Foundation
import Proto

/// The SQL values of one batch of ghost load balancers, table by table in insertion order.
///
/// Every NOT NULL column is set (the SQLite schema has no server defaults and MariaDB's
/// differ from the models'); the nullable ones the health manager or an operator reads are
/// set too. Statuses are ACTIVE/ONLINE, as a healthy production load balancer's.
struct OctaviaGhostRows {
    /// A table and its column list, as written in the INSERT.
    struct Table {
        let name: String
        let columns: String
    }

    /// The tables in the order their rows must be inserted.
    let tables: [Table] = [
        Table(name: "load_balancer", columns: "id, name, description, project_id, provisioning_status, operating_status, topology, enabled, provider, created_at, updated_at"),
        Table(name: "vip", columns: "load_balancer_id, ip_address, port_id, subnet_id, network_id, octavia_owned"),
        Table(name: "amphora", columns: "id, load_balancer_id, compute_id, lb_network_ip, vrrp_ip, ha_ip, cert_busy, role, status, vrrp_priority, compute_flavor, created_at, updated_at"),
        Table(name: "pool", columns: "id, name, project_id, load_balancer_id, protocol, lb_algorithm, provisioning_status, operating_status, enabled, tls_enabled, created_at, updated_at"),
        Table(name: "health_monitor", columns: "id, name, project_id, pool_id, type, delay, timeout, fall_threshold, rise_threshold, http_method, url_path, expected_codes, enabled, provisioning_status, operating_status, created_at, updated_at"),
        Table(name: "session_persistence", columns: "pool_id, type, cookie_name"),
        Table(name: "member", columns: "id, name, project_id, pool_id, subnet_id, ip_address, protocol_port, weight, backup, provisioning_status, operating_status, enabled, created_at, updated_at"),
        Table(name: "listener", columns: "id, name, project_id, load_balancer_id, default_pool_id, protocol, protocol_port, connection_limit, provisioning_status, operating_status, enabled, client_authentication, created_at, updated_at"),
        Table(name: "l7policy", columns: "id, name, project_id, listener_id, action, position, enabled, provisioning_status, operating_status, created_at, updated_at"),
        Table(name: "l7rule", columns: "id, project_id, l7policy_id, type, compare_type, value, invert, enabled, provisioning_status, operating_status, created_at, updated_at"),
    ]

    /// Value lists (without parentheses) by table name.
    private(set) var values: [String: [String]] = [:]

    /// Builds the rows of load balancers `range` (0-based, across the whole run).
    init(shape: OctaviaShape, prefix: String, quote: (String) -> String, range: Range<Int>) {
        let now = quote(Self.timestamp(Date()))
        let project = quote("\(prefix)-project")
        let subnet = quote("\(prefix)-subnet")
        let network = quote("\(prefix)-network")
        let names = OctaviaGhostNames(
            prefix: prefix, listeners: shape.listeners, pools: shape.pools, members: shape.members, amphoraePerLB: shape.amphorae)
        func id(_ kind: String, _ n: Int) -> String { quote(names.id(kind, n)) }
        func ip(_ first: Int, _ n: Int) -> String { quote("\(first).\((n >> 16) & 255).\((n >> 8) & 255).\(n & 255)") }
        let active = "'ACTIVE', 'ONLINE'"
        let topology = shape.amphorae == 1 ? "'SINGLE'" : "'ACTIVE_STANDBY'"

        for lb in range {
            let lbID = id("lb", lb)
            append("load_balancer", "\(lbID), \(lbID), 'kloudbuster ghost load balancer', \(project), \(active), \(topology), 1, 'amphora', \(now), \(now)")
            append("vip", "\(lbID), \(ip(10, lb)), \(id("vport", lb)), \(subnet), \(network), 1")
            for a in 0..<shape.amphorae {
                let n = names.amphoraNumber(lb: lb, a)
                let role = shape.amphorae == 1 ? "'STANDALONE'" : (a == 0 ? "'MASTER'" : "'BACKUP'")
                append("amphora", "\(id("amp", n)), \(lbID), \(id("compute", n)), \(ip(127, n + 256)), \(ip(11, n)), \(ip(10, lb)), 0, \(role), 'ALLOCATED', \(a == 0 ? 100 : 90), 'kb-ghost', \(now), \(now)")
            }
            for l in 0..<shape.listeners {
                let listenerNumber = names.listenerNumber(lb: lb, l)
                let listenerID = id("ls", listenerNumber)
                var defaultPool = "NULL"
                for p in 0..<shape.pools {
                    let poolNumber = names.poolNumber(listener: listenerNumber, p)
                    let poolID = id("pool", poolNumber)
                    if p == 0 { defaultPool = poolID }
                    append("pool", "\(poolID), \(poolID), \(project), \(lbID), 'HTTP', 'ROUND_ROBIN', \(active), 1, 0, \(now), \(now)")
                    let monitorID = id("hm", poolNumber)
                    append("health_monitor", "\(monitorID), \(monitorID), \(project), \(poolID), 'HTTP', 5, 5, 3, 3, 'GET', '/', '200', 1, \(active), \(now), \(now)")
                    append("session_persistence", "\(poolID), 'HTTP_COOKIE', NULL")
                    for m in 0..<shape.members {
                        let memberID = id("mb", names.memberNumber(pool: poolNumber, m))
                        append("member", "\(memberID), \(memberID), \(project), \(poolID), \(subnet), \(ip(10, m + 1)), 80, 1, 0, \(active), 1, \(now), \(now)")
                    }
                }
                append("listener", "\(listenerID), \(listenerID), \(project), \(lbID), \(defaultPool), 'HTTP', \(80 + l), NULL, \(active), 1, 'NONE', \(now), \(now)")
                for q in 0..<shape.l7policies {
                    let policyNumber = listenerNumber * shape.l7policies + q
                    let policyID = id("l7p", policyNumber)
                    append("l7policy", "\(policyID), \(policyID), \(project), \(listenerID), 'REJECT', \(q + 1), 1, \(active), \(now), \(now)")
                    for r in 0..<shape.l7rules {
                        append("l7rule", "\(id("l7r", policyNumber * shape.l7rules + r)), \(project), \(policyID), 'PATH', 'STARTS_WITH', '/kb-ghost/\(r)', 0, 1, \(active), \(now), \(now)")
                    }
                }
            }
        }
    }

    private mutating func append(_ table: String, _ row: String) {
        values[table, default: []].append(row)
    }

    /// `date` as Octavia stores DATETIME: UTC, whole seconds.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
