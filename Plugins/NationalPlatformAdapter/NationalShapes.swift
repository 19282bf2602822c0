import Foundation
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

/// The national record's shared messages, translated both ways: the handled matter (办件信息), the staff rated
/// (被评价人) and the service node (服务次序). The culture-tourism approval evaluation reports "按照国家统一标准"
/// and carries the same messages (FIELDS.md §4), so both adapters read and write them here, with the same code
/// tables (`sharedTables`).
public enum NationalShapes {
    /// The national code tables these messages use; an adapter that carries them ships these defaults too.
    public static let sharedTables = [
        "evaluationType", "matterStatus", "matterKind", "timeLimitUnit", "handlingChannel", "evaluatedRole",
    ]

    /// `tables` with the national defaults of the shared tables added (its own entries win).
    public static func addingSharedTables(to tables: CodeTable) -> CodeTable {
        var merged = tables
        for name in sharedTables where merged.tables[name] == nil {
            merged.tables[name] = NationalPlatformAdapter.defaultCodes.tables[name]
        }
        return merged
    }

    /// The handled matter: its codes through the tables, the rest as sent. `field` is the message's path.
    public static func matter(
        _ m: Govcase_Sources_National_V1_MatterInfo, at field: String = "matter", reader: inout RecordReader
    ) -> Matter {
        func limit(_ l: Govcase_Sources_National_V1_TimeLimit, at path: String) -> TimeLimit {
            TimeLimit(value: Int(l.value), unit: reader.code("timeLimitUnit", l.unit, at: "\(path).unit"))
        }
        return Matter(
            status: reader.optionalCode("matterStatus", m.status, at: "\(field).status"),
            acceptedAt: m.hasAcceptedAt ? m.acceptedAt.date : nil,
            kind: reader.optionalCode("matterKind", m.kind, at: "\(field).kind"),
            promisedLimit: m.hasPromisedLimit ? limit(m.promisedLimit, at: "\(field).promised_limit") : nil,
            statutoryLimit: m.hasStatutoryLimit ? limit(m.statutoryLimit, at: "\(field).statutory_limit") : nil,
            handlingChannel: reader.optionalCode(
                "handlingChannel", m.handlingChannel, at: "\(field).handling_channel"),
            handlerName: m.handlerName, handlerNumber: m.handlerNumber, officeCode: m.officeCode,
            officeName: m.officeName, completedAt: m.hasCompletedAt ? m.completedAt.date : nil)
    }

    /// The handled matter in the national shape, its codes through `table`.
    public static func matterInfo(_ m: Matter, table: CodeTable) throws(CaseError)
        -> Govcase_Sources_National_V1_MatterInfo
    {
        func limit(_ l: TimeLimit, _ field: String) throws(CaseError) -> Govcase_Sources_National_V1_TimeLimit {
            var rendered = Govcase_Sources_National_V1_TimeLimit()
            rendered.value = UInt32(clamping: l.value)
            rendered.unit = try table.renderCode("timeLimitUnit", for: l.unit, field: "service.matter.\(field).unit")
            return rendered
        }
        var r = Govcase_Sources_National_V1_MatterInfo()
        r.status = try table.renderCode("matterStatus", for: m.status, field: "service.matter.status")
        if let at = m.acceptedAt { r.acceptedAt = Google_Protobuf_Timestamp(date: at) }
        r.kind = try table.renderCode("matterKind", for: m.kind, field: "service.matter.kind")
        if let l = m.promisedLimit { r.promisedLimit = try limit(l, "promised_limit") }
        if let l = m.statutoryLimit { r.statutoryLimit = try limit(l, "statutory_limit") }
        r.handlingChannel = try table.renderCode(
            "handlingChannel", for: m.handlingChannel, field: "service.matter.handling_channel")
        r.handlerName = m.handlerName
        r.handlerNumber = m.handlerNumber
        r.officeCode = m.officeCode
        r.officeName = m.officeName
        if let at = m.completedAt { r.completedAt = Google_Protobuf_Timestamp(date: at) }
        return r
    }

    /// The staff rated, in order, their roles through the tables.
    public static func evaluatedPeople(
        _ people: [Govcase_Sources_National_V1_EvaluatedPerson], reader: inout RecordReader
    ) -> [EvaluatedPerson] {
        people.enumerated().map { index, person in
            EvaluatedPerson(
                role: reader.code("evaluatedRole", person.role, at: "evaluated_persons[\(index)].role"),
                staffNumber: person.staffNumber, name: person.name, office: person.office)
        }
    }

    /// The staff rated in the national shape.
    public static func evaluatedPersons(_ people: [EvaluatedPerson], table: CodeTable) throws(CaseError)
        -> [Govcase_Sources_National_V1_EvaluatedPerson]
    {
        try people.enumerated().map { (index, person) throws(CaseError) in
            var rendered = Govcase_Sources_National_V1_EvaluatedPerson()
            rendered.role = try table.renderCode(
                "evaluatedRole", for: person.role, field: "service.evaluated_people[\(index)].role")
            rendered.staffNumber = person.staffNumber
            rendered.name = person.name
            rendered.office = person.office
            return rendered
        }
    }

    /// The service node an evaluation rates (服务次序, its name and time); nil when none is named.
    public static func node(number: UInt32, name: String, time: Google_Protobuf_Timestamp?) -> ServiceNode? {
        number == 0 && name.isEmpty && time == nil
            ? nil : ServiceNode(number: Int(number), name: name, servedAt: time?.date)
    }
}
