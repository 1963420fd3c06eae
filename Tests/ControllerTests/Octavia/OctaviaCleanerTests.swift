@testable import Controller
import Foundation
import Testing

@Suite struct OctaviaCleanerTests {
    /// A load balancer (with a VIP and an amphora) inserted "by other means".
    static let foreignLoadBalancerSQL = """
        INSERT INTO load_balancer (id, provisioning_status, operating_status, enabled, name) VALUES ('4d1c2e6a-0000-4000-8000-000000000001', 'ACTIVE', 'ONLINE', 1, 'prod');
        INSERT INTO vip (load_balancer_id) VALUES ('4d1c2e6a-0000-4000-8000-000000000001');
        INSERT INTO amphora (id, load_balancer_id, cert_busy, status) VALUES ('4d1c2e6a-0000-4000-8000-0000000000a1', '4d1c2e6a-0000-4000-8000-000000000001', 0, 'ALLOCATED');
        INSERT INTO amphora_health (amphora_id, last_update, busy) VALUES ('4d1c2e6a-0000-4000-8000-0000000000a1', '2026-11-22 00:00:00', 0);
        """

    @Test("clean deletes every row of the run, the health manager's included, and nothing else")
    func roundTrip() throws {
        let fixture = try OctaviaTestDatabase()
        defer { fixture.remove() }
        let database = try fixture.open()
        try database.execute(Self.foreignLoadBalancerSQL)
        let shape = OctaviaShape(loadBalancers: 10, listeners: 2, pools: 1, members: 2, l7policies: 1, l7rules: 1)
        let populator = OctaviaPopulator(database: database, batchSize: 4)
        let mine = try populator.populate(shape)
        let other = try populator.populate(OctaviaShape(loadBalancers: 2, listeners: 1, pools: 1, members: 1))
        // What the health manager writes for heartbeats of the run's amphorae.
        try database.execute("""
            INSERT INTO amphora_health (amphora_id, last_update, busy) SELECT id, '2026-11-22 06:41:34', 0 FROM amphora WHERE id LIKE '\(mine.prefix)-%';
            INSERT INTO listener_statistics (listener_id, amphora_id, bytes_in, bytes_out, active_connections, total_connections, request_errors)
              SELECT listener.id, amphora.id, 1, 2, 3, 4, 0 FROM listener JOIN amphora ON amphora.load_balancer_id = listener.load_balancer_id
              WHERE listener.id LIKE '\(mine.prefix)-%';
            """)
        #expect(try database.prefixedRows(mine.prefix)["amphora_health"] == 20)
        #expect(try database.prefixedRows(mine.prefix)["listener_statistics"] == 40)

        let deleted = try OctaviaCleanerTests.clean(fixture.url, mine.prefix)
        #expect(deleted["amphora_health"] == 20 && deleted["listener_statistics"] == 40 && deleted["load_balancer"] == 10)
        #expect(try database.prefixedRows(mine.prefix).isEmpty)
        for table in OctaviaTables.required {
            for column in OctaviaCleaner.order.first(where: { $0.table == table })!.columns {
                #expect(try database.count("SELECT count(*) FROM \(table) WHERE \(column) LIKE '\(mine.prefix)%'") == 0, "\(table).\(column)")
            }
        }
        // The foreign load balancer and the other run are untouched.
        #expect(try database.count("SELECT count(*) FROM load_balancer WHERE name = 'prod'") == 1)
        #expect(try database.count("SELECT count(*) FROM vip WHERE load_balancer_id NOT LIKE 'kbo-%'") == 1)
        #expect(try database.count("SELECT count(*) FROM amphora_health WHERE amphora_id NOT LIKE 'kbo-%'") == 1)
        #expect(try database.prefixedRows(other.prefix)["member"] == 2)
    }

    @Test("an unknown prefix is a usage error naming the prefix, and deletes nothing")
    func unknownPrefix() throws {
        let fixture = try OctaviaTestDatabase()
        defer { fixture.remove() }
        try fixture.open().execute(Self.foreignLoadBalancerSQL)
        let error = #expect(throws: (any Error).self) { try OctaviaCleanerTests.clean(fixture.url, "kbo-000000") }
        #expect(String(describing: error!).contains("no rows with prefix kbo-000000"))
        #expect(try fixture.open().count("SELECT count(*) FROM load_balancer") == 1)
    }

    @Test("the clean command rejects a prefix that could match other rows")
    func prefixValidation() throws {
        #expect(throws: (any Error).self) { _ = try OctaviaCleanCommand.parse(["--db", "sqlite:///x", "--prefix", "kbo-"]) }
        #expect(throws: (any Error).self) { _ = try OctaviaCleanCommand.parse(["--db", "sqlite:///x", "--prefix", "%"]) }
        _ = try OctaviaCleanCommand.parse(["--db", "sqlite:///x", "--prefix", "kbo-0a1b2c"])
    }

    static func clean(_ url: String, _ prefix: String) throws -> [String: Int] {
        try OctaviaCleanCommand.clean(url: url, prefix: prefix)
    }
}
