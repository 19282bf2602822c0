"""Valid national-platform records for the interop scripts: an evaluation (好差评) of a food-business licence in
Chengdu's Jinjiang district, evaluated an hour ago by a real-name citizen, and rectification feedback (整改反馈)
on a bad review. The generated `govcase` package must be importable (Plugins/sdk/python on sys.path)."""

import datetime

from google.protobuf import timestamp_pb2

from govcase.gateway.v1 import ingest_pb2
from govcase.sources.national.v1 import national_pb2


def _timestamp(ago: datetime.timedelta) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(datetime.datetime.now(datetime.timezone.utc) - ago)
    return stamp


def evaluation(evaluation_id: str, matter_id: str, level: int = 5, region: str = "510104",
               revision: int = 1) -> ingest_pb2.NationalRecord:
    """Levels 1–2 carry the text a bad review needs."""
    record = national_pb2.EvaluationRecord(
        evaluation_id=evaluation_id, revision=revision, matter_id=matter_id,
        item=national_pb2.ServiceItem(item_code="11510104MB1234567X4000117009000", item_name="食品经营许可",
                                      org_name="成都市锦江区行政审批局", org_credit_code="91440300708461136T"),
        region_code=region, channel="1", level=level, evaluation_type="1",
        evaluator=national_pb2.Evaluator(party_type="1", real_name=True, name="张三", phone="13812345678"),
    )
    if level <= 2:
        record.text = "排队两小时无人引导"
    an_hour_ago = _timestamp(datetime.timedelta(hours=1))
    record.matter_completed_at.CopyFrom(an_hour_ago)
    record.evaluated_at.CopyFrom(an_hour_ago)
    return ingest_pb2.NationalRecord(evaluation=record)


def feedback(feedback_id: str, evaluation_id: str) -> ingest_pb2.NationalRecord:
    """Verified, explained (解释说明) and fed back by WeChat: the case then awaits the citizen's rating."""
    return ingest_pb2.NationalRecord(rectification_feedback=national_pb2.RectificationFeedback(
        feedback_id=feedback_id, revision=1, evaluation_id=evaluation_id, verifier="赵核实",
        verification_finding="窗口排队时间过长属实", verified_at=_timestamp(datetime.timedelta(seconds=30)),
        outcome="3", measures="该事项须本人到场办理,已解释法律依据", feedback_method="3", feedback_content="已解释",
        feedback_at=_timestamp(datetime.timedelta(0))))
