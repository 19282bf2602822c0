import Foundation

/// One connection inside one transaction, on either engine: what the store's logic runs its statements on.
///
/// The store's rules (idempotency, revisions, follow-ups, links, the outbox, the clocks) are written once, against
/// this, and hold on both engines; only the statements' text (`StoreSQL.sql(for:)`) and the schema differ.
protocol StoreSession {
    /// Runs a statement; returns how many rows it changed.
    @discardableResult func execute(_ statement: StoreSQL, _ arguments: StoreArguments) throws -> Int
    func rows(_ statement: StoreSQL, _ arguments: StoreArguments) throws -> [StoreRow]
    /// A statement built at run time (a query's page, `CaseQuery.statement`, a store copy's), with `?`
    /// placeholders.
    func rows(sql: String, _ arguments: StoreArguments) throws -> [StoreRow]
    @discardableResult func execute(sql: String, _ arguments: StoreArguments) throws -> Int
    /// Runs `body` in a savepoint: a throw undoes what it wrote and only that, and is rethrown.
    func savepoint<T>(_ body: () throws -> T) throws -> T
    /// Wakes, once the transaction commits, whoever waits on `channel` in any gateway on the same store.
    func notifyOnCommit(_ channel: StoreChannel)
}

extension StoreSession {
    func row(_ statement: StoreSQL, _ arguments: StoreArguments = []) throws -> StoreRow? {
        try rows(statement, arguments).first
    }

    /// The first column of the first row, nil for no row or NULL.
    func value<T: StoreValueConvertible>(_ statement: StoreSQL, _ arguments: StoreArguments = [], as: T.Type = T.self)
        throws -> T?
    {
        try rows(statement, arguments).first?.first(as: T.self)
    }
}

/// What a commit may wake: watchers of events, forwarders of outbox rows.
enum StoreChannel: String, CaseIterable, Sendable {
    case events = "govcase_events"
    case forwards = "govcase_forwards"
}

/// The database under the store: transactions to run the store's logic in.
protocol StoreEngine: Sendable {
    /// Runs `body` in a write transaction and commits it durably before returning; a throw rolls it back.
    func write<T>(_ body: (any StoreSession) throws -> T) throws -> T
    /// Runs `body` on a consistent snapshot.
    func read<T>(_ body: (any StoreSession) throws -> T) throws -> T
    /// The names of the schema's migrations applied, in order.
    func appliedMigrations() throws -> [String]
    func close() throws
}
