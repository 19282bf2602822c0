/// One broken rule on one field, as the sender sees it.
public struct FieldViolation: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Path in proto field names, e.g. `requester.phone` or `evaluation.dimensions[2].level`.
    public var field: String
    /// The rule broken.
    public var rule: ValidationRule
    /// Explanation for the sender; never quotes a sensitive value.
    public var message: String

    public init(field: String, rule: ValidationRule, message: String) {
        self.field = field
        self.rule = rule
        self.message = message
    }

    /// `field.path: rule: message`, the form the command line prints.
    public var description: String { "\(field): \(rule): \(message)" }
}

/// A stable, machine-readable rule identifier. A struct rather than an enum so adapters and plugins can add rules.
public struct ValidationRule: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// A required field is missing or blank.
    public static let required = ValidationRule(rawValue: "required")
    /// Not a division code (6 digits, GB/T 2260, or 12 whose first 6 are one) with a real province prefix.
    public static let regionCode = ValidationRule(rawValue: "region_code")
    /// Not a unified social credit code with a valid GB 32100 check character.
    public static let creditCode = ValidationRule(rawValue: "credit_code")
    /// Not a resident ID number with a valid GB 11643 check digit and birth date.
    public static let residentID = ValidationRule(rawValue: "resident_id")
    /// Not a mainland mobile or landline number.
    public static let phone = ValidationRule(rawValue: "phone")
    /// A level outside 1–5.
    public static let level = ValidationRule(rawValue: "level")
    /// A time later than now plus the allowed clock skew.
    public static let futureTime = ValidationRule(rawValue: "future_time")
    /// Text longer than allowed.
    public static let maxLength = ValidationRule(rawValue: "max_length")
    /// A bad review with neither detail items nor text.
    public static let badReviewDetail = ValidationRule(rawValue: "bad_review_detail")
    /// A field that does not belong to the case's kind, or a lifecycle that does not fit it.
    public static let inconsistent = ValidationRule(rawValue: "inconsistent")
    /// A source code with no entry in the adapter's code table.
    public static let unknownCode = ValidationRule(rawValue: "unknown_code")
    /// An action not allowed from the case's status.
    public static let lifecycleTransition = ValidationRule(rawValue: "lifecycle_transition")
    /// A detail code of a versioned list whose first digit is not the evaluation's level.
    public static let detailLevel = ValidationRule(rawValue: "detail_level")
    /// A service node numbered outside 1–99.
    public static let serviceNode = ValidationRule(rawValue: "service_node")
    /// A civil date that is not a real day written YYYY-MM-DD.
    public static let civilDate = ValidationRule(rawValue: "civil_date")
    /// A business handling item code that is not 33 digits or capital letters.
    public static let itemCode = ValidationRule(rawValue: "item_code")
    /// Not an identity key (certKey): at most 128 printable ASCII characters.
    public static let identityKey = ValidationRule(rawValue: "identity_key")
}
