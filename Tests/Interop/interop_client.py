#!/usr/bin/env python3
"""A non-Swift province system against the gateway: Python grpcio over mutual TLS.

Generates its stubs from the gateway's Proto/ folder with grpcio-tools (nothing Swift-specific), then:
health and reflection as standard tools ask them; unary, client-streaming and bidirectional submits;
a duplicate; a refusal with its structured field violations; and reads everything back as a reader.
Exits non-zero on the first surprise. Usage:

    interop_client.py --target 127.0.0.1:8443 --pki <folder from `govcase pki init`> --protos Proto
"""

import argparse
import datetime
import importlib.resources
import pathlib
import sys
import tempfile
import uuid

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from grpc_status import rpc_status
from grpc_tools import protoc
from google.rpc import error_details_pb2


def generate_stubs(protos: pathlib.Path) -> pathlib.Path:
    out = pathlib.Path(tempfile.mkdtemp(prefix="govcase-py-"))
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    # The standard protos (grpc.health, grpc.reflection, google.rpc) come from their own PyPI packages.
    standard = ("grpc/", "google/")
    files = sorted(str(p.relative_to(protos)) for p in protos.rglob("*.proto") if not str(p.relative_to(protos)).startswith(standard))
    status = protoc.main(["protoc", f"-I{protos}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}", *files])
    if status != 0:
        sys.exit(f"protoc failed with {status}")
    sys.path.insert(0, str(out))
    return out


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok  {what}")


def channel(target: str, pki: pathlib.Path, client: str) -> grpc.Channel:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(pki / "ca.pem").read_bytes(),
        private_key=(pki / "clients" / f"{client}-key.pem").read_bytes(),
        certificate_chain=(pki / "clients" / f"{client}.pem").read_bytes(),
    )
    # The development server certificate names localhost.
    return grpc.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", "localhost")])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--pki", required=True, type=pathlib.Path)
    parser.add_argument("--protos", required=True, type=pathlib.Path)
    parser.add_argument("--long-stream", type=int, default=0,
                        help="then stream this many records in one SubmitBatch call and check its summary")
    args = parser.parse_args()
    generate_stubs(args.protos.resolve())

    from google.protobuf import timestamp_pb2
    from govcase.core.v1 import violation_pb2
    from govcase.gateway.v1 import cases_pb2, cases_pb2_grpc, ingest_pb2, ingest_pb2_grpc
    from govcase.sources.national.v1 import national_pb2

    def expect_invalid(submit, record, violations: list, what: str) -> None:
        """Submits `record` and checks it is refused with INVALID_ARGUMENT naming exactly (field, rule) `violations`
        in the structured rejection (trailer govcase-rejection-bin)."""
        try:
            submit(record)
        except grpc.RpcError as error:
            rejection = violation_pb2.Rejection.FromString(
                dict(error.trailing_metadata() or ()).get("govcase-rejection-bin", b""))
            check(error.code() == grpc.StatusCode.INVALID_ARGUMENT
                  and [(v.field, v.rule) for v in rejection.violations] == violations, what)
            return
        check(False, f"{what} (it was accepted)")

    run = uuid.uuid4().hex[:8]
    an_hour_ago = timestamp_pb2.Timestamp()
    an_hour_ago.FromDatetime(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1))

    def evaluation(number: int, level: int = 5, region: str = "510104", revision: int = 1,
                   prefix: str = "PY") -> ingest_pb2.NationalRecord:
        record = national_pb2.EvaluationRecord(
            evaluation_id=f"{prefix}-{run}-{number:04d}", revision=revision, matter_id=f"BJ-{prefix}-{run}-{number:04d}",
            item=national_pb2.ServiceItem(
                item_code="11510104MB1234567X4000117009000", item_name="食品经营许可",
                org_name="成都市锦江区行政审批局", org_credit_code="91440300708461136T"),
            region_code=region, channel="1", level=level, evaluation_type="1",
            evaluator=national_pb2.Evaluator(
                party_type="1", real_name=True, name="张三", phone="13812345678",
                document_type="111", document_number="11010519491231002X"),
        )
        record.matter_completed_at.CopyFrom(an_hour_ago)
        record.evaluated_at.CopyFrom(an_hour_ago)
        return ingest_pb2.NationalRecord(evaluation=record)

    with channel(args.target, args.pki, "national-sc") as source:
        health = health_pb2_grpc.HealthStub(source)
        check(health.Check(health_pb2.HealthCheckRequest(service="")).status == health_pb2.HealthCheckResponse.SERVING,
              "grpc.health.v1 Check: SERVING")

        reflection = ProtoReflectionDescriptorDatabase(source)
        services = set(reflection.get_services())
        check({"govcase.gateway.v1.NationalIngestService", "govcase.gateway.v1.CaseService"} <= services,
              f"reflection lists the gateway's services ({len(services)})")
        file = reflection.FindFileContainingSymbol("govcase.gateway.v1.CaseService")
        check(file.name == "govcase/gateway/v1/cases.proto", "reflection serves cases.proto by symbol")

        national = ingest_pb2_grpc.NationalIngestServiceStub(source)
        ack = national.Submit(evaluation(1))
        check(ack.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED and ack.case_id, "unary Submit: ACCEPTED with a case id")
        again = national.Submit(evaluation(1))
        check(again.outcome == ingest_pb2.RECORD_OUTCOME_DUPLICATE and again.case_id == ack.case_id,
              "resubmission: DUPLICATE of the same case")
        try:
            national.Submit(evaluation(1, level=4))
            check(False, "the same revision with other content is refused")
        except grpc.RpcError as error:
            check(error.code() == grpc.StatusCode.ALREADY_EXISTS and "higher than 1" in error.details(),
                  "the same revision with other content: ALREADY_EXISTS, asking for a higher revision")
        corrected = national.Submit(evaluation(1, level=4, revision=2))
        check(corrected.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED and corrected.case_id == ack.case_id,
              "a higher revision corrects the same case")

        streamed = [evaluation(n) for n in range(100, 120)]
        acks = [a for message in national.SubmitStream(ingest_pb2.NationalBatch(records=[r]) for r in streamed)
                for a in message.acks]
        check([a.external_id for a in acks] == [r.evaluation.evaluation_id for r in streamed]
              and all(a.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED for a in acks),
              "bidirectional SubmitStream: each record acknowledged by its external id, in order")

        batches = [ingest_pb2.NationalBatch(records=[evaluation(n) for n in range(200 + 5 * b, 205 + 5 * b)]) for b in range(2)]
        summary = national.SubmitBatch(iter(batches))
        check(summary.accepted == 10 and summary.rejected == 0, "client-streaming SubmitBatch: 10 accepted")

        bad = evaluation(300, level=9, region="5101")
        try:
            national.Submit(bad)
            check(False, "a bad record is refused")
        except grpc.RpcError as error:
            trailer = dict(error.trailing_metadata() or ())
            rejection = violation_pb2.Rejection.FromString(trailer.get("govcase-rejection-bin", b""))
            fields = sorted(v.field for v in rejection.violations)
            check(error.code() == grpc.StatusCode.INVALID_ARGUMENT and fields == ["level", "region_code"],
                  f"bad record: INVALID_ARGUMENT with field violations {fields}")
            # The same violations in gRPC's standard rich error model, read as any grpcio client reads it.
            status = rpc_status.from_call(error)
            bad_request = error_details_pb2.BadRequest()
            check(status is not None and len(status.details) == 1 and status.details[0].Unpack(bad_request)
                  and sorted(v.field for v in bad_request.field_violations) == ["level", "region_code"],
                  "bad record: grpc-status-details-bin holds a google.rpc.BadRequest with the same fields")
            reasons = {v.field: v.reason for v in bad_request.field_violations}
            check(reasons == {v.field: v.rule.upper() for v in rejection.violations},
                  f"bad record: each BadRequest violation's reason is its rule ({reasons})")

        outside = evaluation(301, region="440305")
        try:
            national.Submit(outside)
            check(False, "a record outside the caller's regions is refused")
        except grpc.RpcError as error:
            check(error.code() == grpc.StatusCode.PERMISSION_DENIED, "outside its regions: PERMISSION_DENIED")

        # A matter as Shandong sends it (FIELDS.md §1.1–1.2): a 12-digit region, a completed 承诺件 handled online, a
        # licence item with its handling item code, window and back-office staff rated, and two of its service nodes
        # each evaluated (一事多评); a second evaluation of a node already rated is refused.
        def node_evaluation(number: int, node: int) -> ingest_pb2.NationalRecord:
            record = evaluation(number, region="510104000000", prefix="SD").evaluation
            record.matter_id = f"SD-{run}-matter"
            record.service_number = node
            record.service_name = {1: "提交申请信息", 3: "出证办结"}[node]
            record.service_time.CopyFrom(an_hour_ago)
            record.item.handle_item_code = record.item.item_code + "01"
            record.item.item_type = "01"
            record.matter.CopyFrom(national_pb2.MatterInfo(
                status="3", kind="2", promised_limit=national_pb2.TimeLimit(value=5, unit="1"), handling_channel="1"))
            record.matter.accepted_at.CopyFrom(an_hour_ago)
            record.evaluated_persons.extend([
                national_pb2.EvaluatedPerson(role="1", staff_number="W-01", name="赵六"),
                national_pb2.EvaluatedPerson(role="2", staff_number="B-02", name="王五", office="许可科")])
            return ingest_pb2.NationalRecord(evaluation=record)
        # Node 3 pushed first on its own (办件服务), as Shandong does, then its evaluation.
        pushed = national_pb2.ServiceNodeRecord(
            node_id=f"SD-{run}-matter-3", revision=1, matter_id=f"SD-{run}-matter", service_number=3,
            service_name="出证办结", region_code="510104000000",
            item=national_pb2.ServiceItem(item_code="11510104MB1234567X4000117009000", item_name="食品经营许可",
                                          org_name="成都市锦江区行政审批局"))
        pushed.service_time.CopyFrom(an_hour_ago)
        node_ack = national.Submit(ingest_pb2.NationalRecord(service_node=pushed))
        check(node_ack.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED, "a service node pushed on its own: ACCEPTED")
        first_node, last_node = national.Submit(node_evaluation(400, 1)), national.Submit(node_evaluation(401, 3))
        check(first_node.outcome == last_node.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED
              and first_node.case_id != last_node.case_id, "一事多评: two nodes of one matter, two cases")
        try:
            national.Submit(node_evaluation(402, 3))
            check(False, "a second evaluation of node 3 is refused")
        except grpc.RpcError as error:
            check(error.code() == grpc.StatusCode.ALREADY_EXISTS and f"SD-{run}-0401" in error.details(),
                  "a second evaluation of the same node: ALREADY_EXISTS naming the first")
        unfinished = node_evaluation(403, 1)
        unfinished.evaluation.matter_id = f"SD-{run}-other"
        unfinished.evaluation.matter.ClearField("accepted_at")
        expect_invalid(national.Submit, unfinished, [("matter.accepted_at", "required")],
                       "a completed matter without its accept date: INVALID_ARGUMENT naming matter.accepted_at")

    with channel(args.target, args.pki, "auditor-sc") as reader:
        cases = cases_pb2_grpc.CaseServiceStub(reader)
        first = cases.GetCase(cases_pb2.GetCaseRequest(case_id=ack.case_id))
        check(first.source.external_id == f"PY-{run}-0001" and first.requester.name == "张三",
              "GetCase as privacy-reader: the record, evaluator unmasked")
        found, token = [], ""
        while True:
            page = cases.QueryCases(cases_pb2.QueryCasesRequest(
                filter=cases_pb2.CaseFilter(region_prefixes=["510104"], adapter_ids=["national-platform"]),
                page_size=7, page_token=token))
            found += [c.source.external_id for c in page.cases if c.source.external_id.startswith(f"PY-{run}-")]
            token = page.next_page_token
            if not token:
                break
        check(len(found) == 31 and len(set(found)) == 31, "QueryCases with page tokens: all 31 records, each once")
        check(first.evaluation.level == 4 and first.source.revision == 2, "GetCase: the corrected revision")
        from govcase.core.v1 import service_pb2
        node = cases.GetCase(cases_pb2.GetCaseRequest(case_id=last_node.case_id))
        service = node.service
        check(node.region_code == "510104000000" and service.node.number == 3 and service.node.name == "出证办结"
              and service.matter_id == f"SD-{run}-matter", "GetCase: the node's case, its 12-digit region kept as sent")
        check(service.item_type == service_pb2.ITEM_TYPE_LICENCE and len(service.handle_item_code) == 33
              and service.matter.status == service_pb2.MATTER_STATUS_COMPLETED
              and service.matter.kind == service_pb2.MATTER_KIND_PROMISED
              and service.matter.promised_limit.value == 5
              and service.matter.promised_limit.unit == service_pb2.TIME_LIMIT_UNIT_WORKING_DAYS
              and service.matter.handling_channel == service_pb2.HANDLING_CHANNEL_ONLINE,
              "GetCase: the item type, handling item code and the matter's status, kind, limit and channel")
        check([(p.role, p.staff_number, p.office) for p in service.evaluated_people]
              == [(service_pb2.EVALUATED_PERSON_ROLE_WINDOW, "W-01", ""),
                  (service_pb2.EVALUATED_PERSON_ROLE_BACK_OFFICE, "B-02", "许可科")],
              "GetCase: window and back-office staff rated, in order")
        from govcase.core.v1 import case_pb2
        pushed_case = cases.GetCase(cases_pb2.GetCaseRequest(case_id=node_ack.case_id))
        check(pushed_case.kind == case_pb2.CASE_KIND_SERVICE_NODE and not pushed_case.HasField("evaluation")
              and pushed_case.HasField("handling") and pushed_case.handling.deadlines.HasField("default_rating_at")
              and list(pushed_case.links.node_evaluation_case_ids) == [last_node.case_id]
              and node.links.service_node_case_id == node_ack.case_id,
              "GetCase: the pushed node (SERVICE_NODE, its default-rating time) and its evaluation link each other")

    # A 12345 work order as a hotline sends it: anonymous (no caller), classified in levels, rated urgent, with the
    # street and community of the place; read back as the core case (written from Proto/ alone).
    from govcase.core.v1 import lifecycle_pb2, request_pb2
    from govcase.sources.hotline12345.v1 import hotline12345_pb2
    with channel(args.target, args.pki, "hotline-tongnan") as hotline_channel:
        hotline = ingest_pb2_grpc.HotlineIngestServiceStub(hotline_channel)

        def work_order(number: int, urgency: str) -> ingest_pb2.HotlineRecord:
            order = hotline12345_pb2.WorkOrder(
                order_id=f"GD-PY-{run}-{number:04d}", revision=1, region_code="500151", request_kind="5",
                channel="1", title="建议延长图书馆开放时间", content="希望区图书馆周末开放到晚上九点。",
                category="图书馆", category_levels=["文化旅游", "公共文化服务", "图书馆"], urgency=urgency,
                place=hotline12345_pb2.Place(region_code="500151", address="桂林街道某路1号", street="桂林街道",
                                             community="某某社区"))
            order.received_at.CopyFrom(an_hour_ago)
            return ingest_pb2.HotlineRecord(work_order=order)

        placed = hotline.Submit(work_order(1, "2"))
        check(placed.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED, "an anonymous, classified, urgent work order: ACCEPTED")
        stored = cases_pb2_grpc.CaseServiceStub(hotline_channel).GetCase(cases_pb2.GetCaseRequest(case_id=placed.case_id))
        check(list(stored.request.category_levels) == ["文化旅游", "公共文化服务", "图书馆"]
              and stored.request.urgency == request_pb2.URGENCY_URGENT
              and stored.request.location.street == "桂林街道" and stored.request.location.community == "某某社区",
              "GetCase: its classification levels, urgency (URGENCY_URGENT), street and community")
        expect_invalid(hotline.Submit, work_order(2, "9"), [("urgency", "unknown_code")],
                       "urgency 9: INVALID_ARGUMENT naming urgency, unknown_code")

        # The order dispatched to a lead unit with co-handlers handling it jointly, urged once, supervised by a
        # leader; a supervision without its instruction is refused naming the field.
        def update(number: int, status: str, **fields) -> ingest_pb2.HotlineRecord:
            record = hotline12345_pb2.StatusUpdate(
                update_id=f"LZ-PY-{run}-{number}", revision=1, order_id=f"GD-PY-{run}-0001", status=status,
                operator="话务员01", **fields)
            record.occurred_at.CopyFrom(an_hour_ago)
            return ingest_pb2.HotlineRecord(status_update=record)
        steps = [
            update(1, "20", unit="潼南区文化和旅游发展委员会", co_units=["潼南区图书馆", "桂林街道办事处"], joint=True),
            update(2, "60", unit="潼南区12345热线办公室"),
            update(3, "61", unit="潼南区人民政府办公室", note="请三个工作日内答复市民", by_leader=True),
        ]
        check(all(hotline.Submit(s).outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED for s in steps),
              "dispatch with co-handlers, an urging and a leader's supervision: each ACCEPTED")
        handled = cases_pb2_grpc.CaseServiceStub(hotline_channel).GetCase(
            cases_pb2.GetCaseRequest(case_id=placed.case_id))
        check(handled.handling.assigned_unit == "潼南区文化和旅游发展委员会"
              and list(handled.handling.co_units) == ["潼南区图书馆", "桂林街道办事处"] and handled.handling.joint
              and handled.handling.urgings == 1 and handled.handling.supervisions == 1
              and handled.events[-1].action.by_leader,
              "GetCase: the lead unit, its co-handlers, joint handling, one urging, one leader's supervision")
        expect_invalid(hotline.Submit, update(4, "61", unit="潼南区人民政府办公室"), [("note", "required")],
                       "a supervision without its instruction: INVALID_ARGUMENT naming note, required")

        # The unit returns the order (退回); the centre's review (退回审核) without its result is refused naming
        # review_result; with result 2 (rejected) the order is the returning unit's again.
        returned = hotline.Submit(update(5, "31", unit="潼南区文化和旅游发展委员会", note="开放时间由区图书馆决定"))
        check(returned.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED, "a return with its reason: ACCEPTED")
        expect_invalid(hotline.Submit, update(6, "32", unit="潼南区12345热线办公室", note="不同意退回"),
                       [("review_result", "required")],
                       "退回审核 without its result: INVALID_ARGUMENT naming review_result, required")
        reviewed = hotline.Submit(update(7, "32", unit="潼南区12345热线办公室", note="图书馆由区文旅委主管, 不同意退回",
                                         review_result="2"))
        check(reviewed.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED, "退回审核, return rejected: ACCEPTED")
        back = cases_pb2_grpc.CaseServiceStub(hotline_channel).GetCase(cases_pb2.GetCaseRequest(case_id=placed.case_id))
        check(back.status == lifecycle_pb2.CASE_STATUS_DISPATCHED
              and back.handling.assigned_unit == "潼南区文化和旅游发展委员会" and back.handling.returns == 1
              and back.events[-1].action.review == lifecycle_pb2.REVIEW_RESULT_OVERTURNED,
              "GetCase: the rejected return gives the order back to the unit (DISPATCHED), one return counted")

    if args.long_stream:
        with channel(args.target, args.pki, "national-sc") as source:
            national = ingest_pb2_grpc.NationalIngestServiceStub(source)
            per_message = 1000

            def messages():
                for start in range(0, args.long_stream, per_message):
                    # Every 1000th record is refused (level 9), so refusals appear throughout the stream.
                    yield ingest_pb2.NationalBatch(records=[
                        evaluation(n, level=9 if n % 1000 == 999 else 5, prefix="PL")
                        for n in range(start, min(start + per_message, args.long_stream))])

            summary, call = national.SubmitBatch.with_call(messages())
            refused = args.long_stream // 1000
            size = summary.ByteSize()
            check(summary.accepted == args.long_stream - refused and summary.rejected == refused,
                  f"client-streaming {args.long_stream} records: {summary.accepted} accepted, {summary.rejected} refused")
            check(size < 4 * 1024 * 1024 and len(summary.acks) + summary.acks_omitted == args.long_stream
                  and sum(1 for a in summary.acks if a.outcome == ingest_pb2.RECORD_OUTCOME_REJECTED) == refused,
                  f"its summary is bounded ({size} bytes, {len(summary.acks)} acks listed) and lists every refusal")
    print("interop: all checks passed")


if __name__ == "__main__":
    main()
