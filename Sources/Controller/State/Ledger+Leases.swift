import GRDB

/// Loopback ranges for local runs: the second octets of 127.x.y.z a run's agents use, chosen
/// and recorded in one write transaction, so two controllers sharing a state directory never
/// hand out the same addresses.
extension Ledger {
    /// Reserves `width` consecutive second octets (within 1...254) for `runID` and returns the
    /// first. A range is taken while its run may still have agents: its controller is alive,
    /// or the ledger still holds live resources of it (a killed controller's agents, until
    /// `kloudbuster cleanup`). Ranges `isFree` refuses (something else listens there: another
    /// state directory's run, a leftover) are skipped too.
    ///
    /// - Throws: `LedgerError` naming the runs that hold the octets when no range is left.
    public func reserveLoopback(run runID: String, width: Int, isFree: (ClosedRange<Int>) -> Bool) throws -> Int {
        precondition(width >= 1, "a loopback range holds at least one octet")
        return try store.write { db in
            let leases = try Row.fetchAll(db, sql: "SELECT run_id, first_octet, last_octet FROM loopback_lease")
            var held: [(range: ClosedRange<Int>, run: String)] = []
            for lease in leases {
                let owner: String = lease["run_id"]
                guard owner != runID, let run = try RunRecord.fetchOne(db, key: owner) else { continue }
                let live = try ResourceRecord
                    .filter(ResourceRecord.Columns.runID == owner)
                    .filter(ResourceState.live.contains(ResourceRecord.Columns.state))
                    .fetchCount(db)
                guard (run.status.isActive && run.liveController != nil) || live > 0 else { continue }
                held.append(((lease["first_octet"] as Int)...(lease["last_octet"] as Int), owner))
            }
            var first = 1
            while first + width - 1 <= 254 {
                let candidate = first...(first + width - 1)
                if let clash = held.first(where: { $0.range.overlaps(candidate) }) {
                    first = clash.range.upperBound + 1
                    continue
                }
                if isFree(candidate) {
                    try db.execute(
                        literal: """
                            INSERT OR REPLACE INTO loopback_lease (run_id, first_octet, last_octet)
                            VALUES (\(runID), \(candidate.lowerBound), \(candidate.upperBound))
                            """)
                    return first
                }
                first += 1
            }
            let holders = held.map { "\($0.run) (127.\($0.range.lowerBound)-\($0.range.upperBound).x.x)" }
            throw LedgerError(
                kind: .noLoopbackRange, subject: "\(runID) (\(width) second octets of 127.1-254.x.x)",
                remedy: (holders.isEmpty ? "" : "held by \(holders.joined(separator: ", ")); ")
                    + "wait for those runs to end, run `kloudbuster cleanup --all` for dead ones, or use fewer tenants")
        }
    }

    /// The octets `runID` holds, if it reserved any.
    public func loopbackLease(run runID: String) throws -> ClosedRange<Int>? {
        try store.read { db in
            guard let row = try SQLRequest<Row>(
                literal: "SELECT first_octet, last_octet FROM loopback_lease WHERE run_id = \(runID)"
            ).fetchOne(db)
            else { return nil }
            return (row["first_octet"] as Int)...(row["last_octet"] as Int)
        }
    }
}
