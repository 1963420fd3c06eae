import GRDB

extension StateStore {
    /// The schema, one migration per version. A released migration is never edited: a change
    /// is a new migration, so a state directory written by an older controller still opens
    /// (and its leftover resources can still be cleaned up).
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "run") { t in
                t.primaryKey("id", .text)
                t.column("label", .text)
                t.column("cloud", .text).notNull()
                t.column("config_yaml", .text).notNull()
                t.column("status", .text).notNull()
                    .check(sql: "status IN ('staging','running','cleaning','done','failed','interrupted')")
                t.column("started_at", .datetime).notNull()
                t.column("ended_at", .datetime)
                t.column("result_json", .text)
                t.column("controller_pid", .integer).notNull()
                // With the pid, tells a live controller from a recycled pid (see ProcessIdentity).
                t.column("controller_start_time", .integer)
            }
            try db.create(table: "resource") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .text).notNull().indexed().references("run", onDelete: .cascade)
                t.column("kind", .text).notNull()
                t.column("name", .text).notNull()
                t.column("cloud", .text).notNull()
                // A parent is always created (and recorded) before its children, so a child's
                // id is larger than its parent's: deletion order is id descending.
                t.column("parent_id", .integer).indexed().references("resource", onDelete: .restrict)
                t.column("external_id", .text)
                t.column("pid", .integer)
                t.column("pid_start_time", .integer)
                t.column("address", .text)
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('creating','created','deleting','deleted','failed_delete')")
                t.column("error", .text)
                t.column("created_at", .datetime).notNull()
                t.column("deleted_at", .datetime)
            }
            try db.create(index: "resource_on_run_state", on: "resource", columns: ["run_id", "state"])
            try db.create(table: "interval") { t in
                t.column("run_id", .text).notNull().references("run", onDelete: .cascade)
                t.column("stage", .integer).notNull()
                t.column("idx", .integer).notNull()
                t.column("start_unix_ns", .integer).notNull()
                t.column("duration_ns", .integer).notNull()
                t.column("summary_json", .text).notNull()
                t.column("histogram", .blob)
                t.primaryKey(["run_id", "stage", "idx"])
            }
        }
        migrator.registerMigration("v2") { db in
            // The second octets of 127.x.y.z a local run holds, so that two runs at once never
            // share addresses (LoopbackLease).
            try db.create(table: "loopback_lease") { t in
                t.primaryKey("run_id", .text).references("run", onDelete: .cascade)
                t.column("first_octet", .integer).notNull()
                t.column("last_octet", .integer).notNull()
            }
        }
        migrator.registerMigration("v3") { db in
            // Bearer tokens of `kloudbuster serve`: only the secret's SHA-256 is kept.
            try db.create(table: "api_token") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("role", .text).notNull().check(sql: "role IN ('viewer','operator')")
                t.column("secret_hash", .text).notNull().unique()
                t.column("created_at", .datetime).notNull()
                t.column("revoked_at", .datetime)
            }
            // Every state-changing request to the server: who, what, when.
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull().indexed()
                t.column("token_id", .text)
                t.column("token_name", .text)
                t.column("method", .text).notNull()
                t.column("path", .text).notNull()
                t.column("status", .integer).notNull()
                t.column("detail", .text)
                t.column("remote", .text)
            }
        }
        return migrator
    }()
}
