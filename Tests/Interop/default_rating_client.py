#!/usr/bin/env python3
"""Default ratings (默认评价) seen from outside, in Python grpcio over mutual TLS, with the committed Python of the
contracts (Plugins/sdk/python/govcase) only.

The gateway runs with `deadlines.regions."510105": { default_rating_made_by: gateway }`: Qingyang district's
service nodes get the gateway's default rating; Jinjiang's (510104) keep the default, where the source makes its
own and the gateway only raises DEFAULT_RATING_DUE. As a source system (national-sc) the session pushes one
service node in each district, served ten days ago, so their default-rating time (7 natural days) has passed on
arrival and their clocks fire at once. Then, as the auditor:

- Qingyang's node gets one default evaluation, found by QueryCases (adapter govcase-gateway): origin DEFAULT,
  基本满意, dated at the node's default-rating time, no evaluator, linked to the node both ways, and named in the
  node's DEFAULT_RATING_DUE event; the source's own evaluation of that node, sent after it, is ALREADY_EXISTS;
- Jinjiang's node gets the event and no evaluation; the source's late evaluation of it is ACCEPTED.

Exits non-zero on the first surprise. Usage:

    default_rating_client.py --target 127.0.0.1:8443 --pki <folder from `govcase pki init`> --repo <checkout>
"""

import datetime
import sys
import time
import uuid

import grpc

from session import channel, check, plugin_session_arguments


def main() -> None:
    args = plugin_session_arguments()
    sys.path.insert(0, str(args.repo / "Plugins" / "sdk" / "python"))
    from google.protobuf import timestamp_pb2
    from govcase.core.v1 import evaluation_pb2, lifecycle_pb2
    from govcase.gateway.v1 import cases_pb2, cases_pb2_grpc, ingest_pb2, ingest_pb2_grpc
    from govcase.sources.national.v1 import national_pb2

    run = uuid.uuid4().hex[:8]
    now = datetime.datetime.now(datetime.timezone.utc)
    ten_days_ago, an_hour_ago = timestamp_pb2.Timestamp(), timestamp_pb2.Timestamp()
    ten_days_ago.FromDatetime(now - datetime.timedelta(days=10))
    an_hour_ago.FromDatetime(now - datetime.timedelta(hours=1))
    item = national_pb2.ServiceItem(item_code="11510104MB1234567X4000117009000", item_name="食品经营许可",
                                    org_name="成都市行政审批局")

    def node(region: str) -> ingest_pb2.NationalRecord:
        pushed = national_pb2.ServiceNodeRecord(
            node_id=f"DR-{run}-{region}-1", revision=1, matter_id=f"DR-{run}-{region}", service_number=1,
            service_name="受理", region_code=region, item=item)
        pushed.service_time.CopyFrom(ten_days_ago)
        return ingest_pb2.NationalRecord(service_node=pushed)

    def rating(region: str) -> ingest_pb2.NationalRecord:
        record = national_pb2.EvaluationRecord(
            evaluation_id=f"DR-{run}-{region}-rated", revision=1, region_code=region, level=4, channel="1",
            evaluation_type="1", matter_id=f"DR-{run}-{region}", service_number=1, service_name="受理", item=item,
            evaluator=national_pb2.Evaluator(party_type="1", real_name=True, name="张三", phone="13812345678",
                                             document_type="111", document_number="11010519491231002X"))
        record.matter_completed_at.CopyFrom(an_hour_ago)
        record.evaluated_at.CopyFrom(an_hour_ago)
        record.service_time.CopyFrom(ten_days_ago)
        return ingest_pb2.NationalRecord(evaluation=record)

    with channel(args.target, args.pki, "national-sc") as source:
        national = ingest_pb2_grpc.NationalIngestServiceStub(source)
        acks = {region: national.Submit(node(region)) for region in ("510105", "510104")}
        check(all(a.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED for a in acks.values()),
              "two service nodes served ten days ago: ACCEPTED")

        with channel(args.target, args.pki, "auditor-sc") as reader:
            cases = cases_pb2_grpc.CaseServiceStub(reader)

            def clock_events(case_id: str):
                case = cases.GetCase(cases_pb2.GetCaseRequest(case_id=case_id))
                return case, [e for e in case.events
                              if e.action.kind == lifecycle_pb2.LIFECYCLE_ACTION_KIND_DEFAULT_RATING_DUE]

            deadline = time.monotonic() + 30
            while True:
                qingyang, fired = clock_events(acks["510105"].case_id)
                jinjiang, jinjiang_fired = clock_events(acks["510104"].case_id)
                if (fired and jinjiang_fired) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            check(len(fired) == 1 and len(jinjiang_fired) == 1, "each node's DEFAULT_RATING_DUE fired once")

            made = cases.QueryCases(cases_pb2.QueryCasesRequest(
                filter=cases_pb2.CaseFilter(region_prefixes=["510105"], adapter_ids=["govcase-gateway"]))).cases
            made = [c for c in made if c.service.matter_id == f"DR-{run}-510105"]
            check(len(made) == 1, "Qingyang's node: one evaluation made by the gateway")
            default = made[0]
            check(default.evaluation.origin == evaluation_pb2.EVALUATION_ORIGIN_DEFAULT
                  and default.evaluation.level == evaluation_pb2.SATISFACTION_LEVEL_BASICALLY_SATISFIED
                  and not default.HasField("requester")
                  and default.evaluation.evaluated_at == qingyang.handling.deadlines.default_rating_at,
                  "the default: origin DEFAULT, 基本满意, no evaluator, dated at the node's default-rating time")
            check(list(qingyang.links.node_evaluation_case_ids) == [default.case_id]
                  and cases.GetCase(cases_pb2.GetCaseRequest(case_id=default.case_id)).links.service_node_case_id
                  == qingyang.case_id, "linked to its node both ways")
            check(default.case_id in fired[0].action.note, "the node's DEFAULT_RATING_DUE event names it")

            none = cases.QueryCases(cases_pb2.QueryCasesRequest(
                filter=cases_pb2.CaseFilter(region_prefixes=["510104"], adapter_ids=["govcase-gateway"]))).cases
            check(not [c for c in none if c.service.matter_id == f"DR-{run}-510104"]
                  and not jinjiang.links.node_evaluation_case_ids,
                  "Jinjiang's node (the source makes its defaults): the event, no evaluation")

        try:
            national.Submit(rating("510105"))
            check(False, "the source's evaluation after the gateway's default is refused")
        except grpc.RpcError as error:
            check(error.code() == grpc.StatusCode.ALREADY_EXISTS and "默认评价" in error.details()
                  and f"default-rating:DR-{run}-510105-1" in error.details(),
                  "an evaluation after the gateway's default: ALREADY_EXISTS naming the default")
        late = national.Submit(rating("510104"))
        check(late.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED,
              "Jinjiang's late evaluation (no default made): ACCEPTED")
    print("default-rating session passed", flush=True)


if __name__ == "__main__":
    main()
