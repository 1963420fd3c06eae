@testable import Controller
import Foundation
import Testing

@Suite struct OctaviaPopulatorTests {
    static let shape = OctaviaShape(loadBalancers: 10, listeners: 2, pools: 1, members: 2)

    @Test("populate 10 LBs of shape 2/1/2 writes the expected rows per table, every id under the prefix")
    func rowCounts() throws {
        let fixture = try OctaviaTestDatabase()
        defer { fixture.remove() }
        let database = try fixture.open()
        let population = try OctaviaPopulator(database: database, batchSize: 3).populate(Self.shape)
        let expected = [
            "load_balancer": 10, "vip": 10, "amphora": 20, "listener": 20, "pool": 20, "health_monitor": 20,
            "session_persistence": 20, "member": 40, "l7policy": 0, "l7rule": 0,
        ]
        #expect(population.rows.filter { $0.value > 0 } == expected.filter { $0.value > 0 })
        #expect(OctaviaPopulator.isValidPrefix(population.prefix))
        for (table, count) in expected {
            #expect(try database.count("SELECT count(*) FROM \(table)") == count, "\(table)")
        }
        #expect(try database.prefixedRows(population.prefix) == expected.filter { $0.value > 0 })
        #expect(try database.count("SELECT count(*) FROM amphora WHERE role = 'MASTER'") == 10)
        #expect(try database.count("SELECT count(*) FROM load_balancer WHERE topology = 'ACTIVE_STANDBY'") == 10)
        #expect(try database.count("SELECT count(*) FROM listener WHERE default_pool_id IS NULL") == 0)
    }

    @Test("L7 policies and rules multiply per listener; --single makes one STANDALONE amphora")
    func l7AndSingle() throws {
        let fixture = try OctaviaTestDatabase()
        defer { fixture.remove() }
        let database = try fixture.open()
        let shape = OctaviaShape(loadBalancers: 2, listeners: 2, pools: 2, members: 1, l7policies: 2, l7rules: 3, amphorae: 1)
        let population = try OctaviaPopulator(database: database).populate(shape)
        #expect(population.rows["l7policy"] == 8 && population.rows["l7rule"] == 24)
        #expect(population.rows["pool"] == 8 && population.rows["member"] == 8 && population.rows["amphora"] == 2)
        #expect(try database.count("SELECT count(*) FROM amphora WHERE role = 'STANDALONE'") == 2)
        #expect(try database.count("SELECT count(*) FROM load_balancer WHERE topology = 'SINGLE'") == 2)
    }

    @Test("a failure in the third batch removes the rows of the first two, and rethrows")
    func failureMidwayRemovesPartialRows() throws {
        let fixture = try OctaviaTestDatabase()
        defer { fixture.remove() }
        let real = try fixture.open()
        let failing = FailingOctaviaDatabase(real, table: "member", failAt: 3)
        let prefix = OctaviaPopulator.newPrefix()
        #expect(throws: FailingOctaviaDatabase.InjectedFailure.self) {
            try OctaviaPopulator(database: failing, batchSize: 3).populate(Self.shape, prefix: prefix)
        }
        #expect(failing.inserts == 3)
        #expect(try real.prefixedRows(prefix).isEmpty)
        for table in OctaviaTables.required {
            #expect(try real.count("SELECT count(*) FROM \(table)") == 0, "\(table)")
        }
    }

    @Test("a database without Octavia's tables is refused, naming the URL and the missing tables")
    func notOctavia() throws {
        let fixture = try OctaviaTestDatabase(schema: false)
        defer { fixture.remove() }
        let error = #expect(throws: OctaviaDatabaseError.self) { try fixture.open() }
        let message = error?.description ?? ""
        #expect(message.contains(fixture.url))
        #expect(message.contains("not an Octavia database"))
        #expect(message.contains("amphora_health") && message.contains("listener_statistics"))
        #expect(!message.contains("load_balancer,"))
    }

    @Test("a missing SQLite file is refused rather than created")
    func missingFile() throws {
        let url = "sqlite:///nonexistent-\(UUID().uuidString)/octavia.sqlite"
        let error = #expect(throws: OctaviaDatabaseError.self) { try OctaviaDatabaseOpener.open(url) }
        #expect(error?.description.contains("no existing SQLite file") == true)
        #expect(!FileManager.default.fileExists(atPath: String(url.dropFirst("sqlite://".count))))
    }

    @Test("populate refuses a database holding load balancers it did not create, unless told it is not production")
    func productionSafety() throws {
        let fixture = try OctaviaTestDatabase()
        defer { fixture.remove() }
        try fixture.open().execute(OctaviaCleanerTests.foreignLoadBalancerSQL)
        let shape = OctaviaShape(loadBalancers: 1, listeners: 1, pools: 1, members: 1)
        let error = #expect(throws: (any Error).self) {
            try OctaviaPopulateCommand.populate(url: fixture.url, shape: shape, batch: 10, allowForeign: false)
        }
        let message = "\(error.map { String(describing: $0) } ?? "")"
        #expect(message.contains("1 load balancer this tool did not create"))
        #expect(message.contains("--i-know-this-is-not-production"))
        #expect(try fixture.open().count("SELECT count(*) FROM load_balancer") == 1)
        let population = try OctaviaPopulateCommand.populate(url: fixture.url, shape: shape, batch: 10, allowForeign: true)
        #expect(population.rows["load_balancer"] == 1)
    }

    @Test("passwords are masked in URLs shown to the user")
    func maskedPassword() {
        #expect(OctaviaDatabaseOpener.maskPassword("mysql://octavia:s3cr@t@127.0.0.1:3306/octavia") == "mysql://octavia:***@127.0.0.1:3306/octavia")
        #expect(OctaviaDatabaseOpener.maskPassword("sqlite:///tmp/x.db") == "sqlite:///tmp/x.db")
    }

    @Test("prefixes are kbo- and 6 hex digits; nothing else is accepted")
    func prefixShape() {
        #expect(OctaviaPopulator.isValidPrefix(OctaviaPopulator.newPrefix()))
        for bad in ["kbo-", "kbo-%", "kbo-12345", "kbo-1234567", "kbo-12345g", "x-123456", "kbo-12345_"] {
            #expect(!OctaviaPopulator.isValidPrefix(bad), "\(bad)")
        }
    }
}
