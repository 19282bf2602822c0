/// What a case is: an evaluation (好差评) or one of the five request kinds of the 12345 hotline.
public enum CaseKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// An evaluation of a government service (好差评).
    case evaluation
    /// A report of wrongdoing (举报).
    case report
    /// A complaint (投诉).
    case complaint
    /// A consultation (咨询).
    case consultation
    /// A help request (求助).
    case helpRequest
    /// A suggestion (意见建议).
    case suggestion
    /// A service node of a handled matter (办件服务), pushed before its evaluation; neither an evaluation nor a
    /// request, and left out of every rate.
    case serviceNode

    /// Whether this kind is a citizen's request (诉求).
    public var isRequest: Bool {
        switch self {
        case .report, .complaint, .consultation, .helpRequest, .suggestion: true
        case .evaluation, .serviceNode: false
        }
    }
}
