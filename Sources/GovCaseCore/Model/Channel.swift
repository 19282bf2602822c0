/// Channel through which an evaluation or request arrived (评价渠道/诉求渠道).
public enum Channel: String, Sendable, Hashable, CaseIterable, Codable {
    /// Evaluator device at the window (窗口评价器), 现场"一次一评".
    case windowDevice
    /// QR code at the window (窗口二维码).
    case windowQRCode
    /// Tablet or other terminal in the service hall (政务大厅平板电脑).
    case hallTablet
    /// Self-service terminal (自助终端).
    case selfServiceTerminal
    /// Paper form where no device exists (纸质评价表).
    case paperForm
    /// Web portal on a PC (PC端), 网上"一事一评".
    case web
    /// Mobile app or mini-program (移动端).
    case mobileApp
    /// Text message (短信).
    case sms
    /// Telephone return visit (电话回访).
    case telephoneReturnVisit
    /// Call to a hotline such as 12345 (热线电话).
    case hotlineCall
    /// Open comments from society (社会各界"综合点评").
    case openComment
    /// Government supervision surveys and third-party assessment (政府部门"监督查评").
    case supervisionSurvey
    /// WeChat (微信).
    case wechat
    /// Visit in person (来访).
    case inPersonVisit

    /// On-site channels, where a later supplementary evaluation (补充评价) is allowed.
    public var isOnSite: Bool {
        switch self {
        case .windowDevice, .windowQRCode, .hallTablet, .selfServiceTerminal, .paperForm: true
        default: false
        }
    }
}
