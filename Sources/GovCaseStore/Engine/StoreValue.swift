import Foundation

/// One value in a column or a bound parameter, as both engines hold it: SQLite's storage classes, which PostgreSQL's
/// column types of the store's schema map onto (bigint and boolean → integer, double precision → real, text, bytea →
/// blob).
public enum StoreValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    /// A condition bound as a parameter (`… OR ?`): an integer on SQLite, a boolean on PostgreSQL, which will not
    /// compare an integer with true.
    case boolean(Bool)
}

/// A Swift value the store binds as a parameter or reads from a column.
protocol StoreValueConvertible: Sendable {
    var storeValue: StoreValue { get }
    /// The value in `value`, or nil where it holds another type (or NULL).
    init?(storeValue value: StoreValue)
}

/// A value read from one row, bound as it is to another statement (a store copy's).
extension StoreValue: StoreValueConvertible {
    var storeValue: StoreValue { self }
    init?(storeValue value: StoreValue) { self = value }
}

/// A statement's bound parameters, in order; nil binds NULL.
typealias StoreArguments = [(any StoreValueConvertible)?]

extension String: StoreValueConvertible {
    var storeValue: StoreValue { .text(self) }
    init?(storeValue value: StoreValue) {
        guard case .text(let text) = value else { return nil }
        self = text
    }
}

extension Int64: StoreValueConvertible {
    var storeValue: StoreValue { .integer(self) }
    init?(storeValue value: StoreValue) {
        switch value {
        case .integer(let int): self = int
        case .boolean(let bool): self = bool ? 1 : 0
        default: return nil
        }
    }
}

extension Int: StoreValueConvertible {
    var storeValue: StoreValue { .integer(Int64(self)) }
    init?(storeValue value: StoreValue) {
        guard let int = Int64(storeValue: value) else { return nil }
        self = Int(int)
    }
}

extension Double: StoreValueConvertible {
    var storeValue: StoreValue { .real(self) }
    init?(storeValue value: StoreValue) {
        switch value {
        case .real(let real): self = real
        // SQLite keeps a REAL column's whole numbers as integers when it can.
        case .integer(let int): self = Double(int)
        default: return nil
        }
    }
}

extension Bool: StoreValueConvertible {
    var storeValue: StoreValue { .boolean(self) }
    init?(storeValue value: StoreValue) {
        guard let int = Int64(storeValue: value) else { return nil }
        self = int != 0
    }
}

extension Data: StoreValueConvertible {
    var storeValue: StoreValue { .blob(self) }
    init?(storeValue value: StoreValue) {
        guard case .blob(let data) = value else { return nil }
        self = data
    }
}

extension StoreValueConvertible where Self: RawRepresentable, RawValue == String {
    var storeValue: StoreValue { .text(rawValue) }
    init?(storeValue value: StoreValue) {
        guard let raw = String(storeValue: value) else { return nil }
        self.init(rawValue: raw)
    }
}

/// A row a statement returned: its values by column name, as GRDB's `Row` gives them.
struct StoreRow: Sendable {
    var columns: [String]
    var values: [StoreValue]

    func value(_ column: String) -> StoreValue {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// The column's value; a NULL or a value of another type stops the process, as a stored row the schema does
    /// not allow would (GRDB's `Row` does the same).
    subscript<T: StoreValueConvertible>(_ column: String) -> T {
        guard let value = T(storeValue: value(column)) else {
            preconditionFailure("column \(column) holds \(value(column)), not a \(T.self)")
        }
        return value
    }

    /// The column's value, nil for NULL.
    subscript<T: StoreValueConvertible>(_ column: String) -> T? {
        let value = value(column)
        if value == .null { return nil }
        guard let typed = T(storeValue: value) else {
            preconditionFailure("column \(column) holds \(value), not a \(T.self)")
        }
        return typed
    }

    /// The first column's value, nil for NULL (a `COUNT`, a `MAX`).
    func first<T: StoreValueConvertible>(as type: T.Type = T.self) -> T? {
        guard let value = values.first, value != .null else { return nil }
        return T(storeValue: value)
    }
}
