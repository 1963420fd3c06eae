import GRDB

extension Ledger {
    /// Every run, newest first.
    public func runs() throws -> [RunRecord] {
        try store.read { db in
            try RunRecord.order(RunRecord.Columns.startedAt.desc, RunRecord.Columns.id.desc).fetchAll(db)
        }
    }

    /// The run with this id, or nil.
    public func run(id: String) throws -> RunRecord? {
        try store.read { db in try RunRecord.fetchOne(db, key: id) }
    }

    /// One resource row, or nil.
    public func resource(_ id: ResourceID) throws -> ResourceRecord? {
        try store.read { db in try ResourceRecord.fetchOne(db, key: id.rawValue) }
    }

    /// Every resource the run recorded, in creation order, whatever its state.
    public func resources(run runID: String) throws -> [ResourceRecord] {
        try store.read { db in
            try ResourceRecord.filter(ResourceRecord.Columns.runID == runID)
                .order(ResourceRecord.Columns.id.asc).fetchAll(db)
        }
    }

    /// Every resource of `kind` any run recorded, whatever its state, oldest first.
    public func resources(kind: ResourceKind) throws -> [ResourceRecord] {
        try store.read { db in
            try ResourceRecord.filter(Column("kind") == kind.rawValue).order(ResourceRecord.Columns.id.asc).fetchAll(db)
        }
    }

    /// The run's resources that may still exist (creating, created, deleting, failed_delete),
    /// in deletion order: children before parents, newest first.
    ///
    /// A parent is recorded before any child can name it, so its id is smaller than all its
    /// children's: descending id order is a topological order of the dependency tree.
    public func liveResources(run runID: String) throws -> [ResourceRecord] {
        try store.read { db in
            try ResourceRecord
                .filter(ResourceRecord.Columns.runID == runID)
                .filter(ResourceState.live.contains(ResourceRecord.Columns.state))
                .order(ResourceRecord.Columns.id.desc).fetchAll(db)
        }
    }

    /// The number of live resources per run, for runs that have any.
    public func liveResourceCounts() throws -> [String: Int] {
        try store.read { db in
            let rows = try SQLRequest<Row>(
                literal: """
                    SELECT run_id, COUNT(*) AS live FROM resource
                    WHERE state IN \(ResourceState.live) GROUP BY run_id
                    """
            ).fetchAll(db)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["run_id"] as String, $0["live"] as Int) })
        }
    }

    /// The run's stored intervals, by stage then index.
    public func intervals(run runID: String) throws -> [IntervalRecord] {
        try store.read { db in
            try IntervalRecord.filter(Column("run_id") == runID)
                .order(Column("stage"), Column("idx")).fetchAll(db)
        }
    }
}
