import Foundation
import GRDBSQLite

/// One prepared statement driven through SQLite's C API: reset, bound from `StoreValue`s, stepped, its columns
/// read as `StoreValue`s. The store runs its own statements this way on GRDB's cached statements (`SQLiteSession`):
/// GRDB's statement arguments and row cursors, generic code unspecialized across the module boundary, cost more
/// per case than SQLite's own work on the case's rows (`perf record`, BENCHMARKS.md). The statement, its cache and
/// the transaction stay GRDB's. The benchmark's floors C and Q drive the same SQL through it with no GRDB at all.
public struct SQLiteStatementHandle {
    /// What SQLite said when a call failed.
    public struct Failure: Error, CustomStringConvertible {
        public var code: Int32
        public var message: String
        public var description: String { "SQLite error \(code): \(message)" }
    }

    public let handle: OpaquePointer

    public init(_ handle: OpaquePointer) { self.handle = handle }

    /// SQLite copies what is bound (`SQLITE_TRANSIENT`): the value need not outlive the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Readies the statement to run again: the last run's state and bound values are dropped.
    public func reset() {
        // The result repeats the last step's error, if any, already reported by `step`.
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Resets the statement and binds `values` in order, as many as the statement has parameters.
    public func bind(_ values: some Collection<StoreValue>) throws(Failure) {
        reset()
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw Failure(
                code: SQLITE_MISUSE, message: "\(values.count) values for \(expected) parameters of \(sql)")
        }
        var position: Int32 = 1
        for value in values {
            let result: Int32
            switch value {
            case .null: result = sqlite3_bind_null(handle, position)
            case .integer(let int): result = sqlite3_bind_int64(handle, position, int)
            case .boolean(let bool): result = sqlite3_bind_int64(handle, position, bool ? 1 : 0)
            case .real(let real): result = sqlite3_bind_double(handle, position, real)
            case .text(let text): result = sqlite3_bind_text(handle, position, text, -1, Self.transient)
            case .blob(let data) where data.isEmpty:
                // An empty Data has no base address, which sqlite3_bind_blob would store as NULL.
                result = sqlite3_bind_zeroblob(handle, position, 0)
            case .blob(let data):
                result = data.withUnsafeBytes {
                    sqlite3_bind_blob(handle, position, $0.baseAddress, Int32($0.count), Self.transient)
                }
            }
            guard result == SQLITE_OK else { throw failure(result) }
            position += 1
        }
    }

    /// True while a row is ready; false once the statement is done.
    public func step() throws(Failure) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw failure(code)
        }
    }

    /// The names of the result's columns.
    public var columnNames: [String] {
        (0..<sqlite3_column_count(handle)).map { String(cString: sqlite3_column_name(handle, $0)) }
    }

    /// The current row's columns as SQLite holds them.
    public func values() -> [StoreValue] {
        (0..<sqlite3_column_count(handle)).map { column in
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
            case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
            case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(handle, column)))
            case SQLITE_BLOB:
                let count = Int(sqlite3_column_bytes(handle, column))
                guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return .blob(Data()) }
                return .blob(Data(bytes: bytes, count: count))
            default: return .null
            }
        }
    }

    /// Reads every column's bytes and drops them: what a reader must at least do with a row.
    public func touchColumns() {
        for column in 0..<sqlite3_column_count(handle) {
            _ = sqlite3_column_blob(handle, column)
            _ = sqlite3_column_bytes(handle, column)
        }
    }

    private var sql: String { sqlite3_sql(handle).map { String(cString: $0) } ?? "a statement" }

    private func failure(_ code: Int32) -> Failure {
        Failure(code: code, message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))) + " in " + sql)
    }
}
