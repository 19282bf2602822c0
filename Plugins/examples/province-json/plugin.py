#!/usr/bin/env python3
"""Example adapter plugin: a provincial JSON evaluation (README.md beside this file) into a core case.

Written against the Python SDK in Plugins/sdk/python; run by the gateway from manifest.yaml.
"""

import json
import os
import sys
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "sdk", "python"))

from google.protobuf.timestamp_pb2 import Timestamp  # noqa: E402

import govcase_plugin  # noqa: E402
from govcase.core.v1 import case_pb2, evaluation_pb2, party_pb2, service_pb2  # noqa: E402
from govcase.plugin.v1 import plugin_pb2  # noqa: E402
from province_json_pb2 import JsonEvaluation  # noqa: E402

CHANNELS = {
    "window": service_pb2.CHANNEL_WINDOW_DEVICE,
    "pc": service_pb2.CHANNEL_WEB,
    "app": service_pb2.CHANNEL_MOBILE_APP,
    "sms": service_pb2.CHANNEL_SMS,
    "wechat": service_pb2.CHANNEL_WECHAT,
}


def timestamp(text: str) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.fromisoformat(text))
    return stamp


class ProvinceJsonAdapter(govcase_plugin.Adapter):
    id = "province-json"
    version = "1.0.0"
    description = "Provincial JSON evaluations (example plugin)"
    message_types = [JsonEvaluation]

    def translate(self, record, context):
        try:
            document = json.loads(record.document)
        except json.JSONDecodeError as error:
            return govcase_plugin.reject(("document", "malformed", f"not JSON: {error}"))
        if not isinstance(document, dict):
            return govcase_plugin.reject(("document", "malformed", "not a JSON object"))
        problems = []
        for key in ("regionCode", "score", "evaluatedAt"):
            if key not in document:
                problems.append((f"document.{key}", "required", "is required"))
        score = document.get("score")
        if score is not None and score not in (1, 2, 3, 4, 5):
            problems.append(("document.score", "level", f"{score!r} is not a score 1–5 (5 = 非常满意)"))
        service = document.get("service", {})
        channel = service.get("channel", "")
        if channel and channel not in CHANNELS:
            problems.append(("document.service.channel", "unknown_code", f"{channel!r}; known: {', '.join(CHANNELS)}"))
        evaluated_at = None
        if "evaluatedAt" in document:
            try:
                evaluated_at = timestamp(document["evaluatedAt"])
            except (TypeError, ValueError):
                problems.append(("document.evaluatedAt", "malformed", "not an ISO 8601 time with offset"))
        if document.get("evaluationId", record.evaluation_id) != record.evaluation_id:
            problems.append(("document.evaluationId", "inconsistent", "differs from the record's evaluation_id"))
        if problems:
            return govcase_plugin.reject(*problems)

        evaluator = document.get("evaluator", {})
        case = case_pb2.Case(
            source=case_pb2.SourceIdentity(external_id=record.evaluation_id, revision=int(document.get("revision", 1))),
            kind=case_pb2.CASE_KIND_EVALUATION,
            region_code=str(document["regionCode"]),
            service=service_pb2.ServiceReference(
                item_code=service.get("itemCode", ""),
                item_name=service.get("itemName", ""),
                organisation=service_pb2.Organisation(
                    name=service.get("department", ""), credit_code=service.get("creditCode", "")
                ),
                channel=CHANNELS.get(channel, service_pb2.CHANNEL_UNSPECIFIED),
            ),
            evaluation=evaluation_pb2.Evaluation(
                level=score,  # the province's 1–5 is the core's SatisfactionLevel, 5 = VERY_SATISFIED
                detail_items=document.get("reasons", []),
                text=document.get("comment", ""),
                origin=evaluation_pb2.EVALUATION_ORIGIN_ACTIVE,
                evaluated_at=evaluated_at,
            ),
            received_at=evaluated_at,
        )
        if evaluator:
            case.requester.CopyFrom(
                party_pb2.Party(
                    kind=party_pb2.PARTY_KIND_NATURAL_PERSON,
                    name=evaluator.get("name", ""),
                    phone=evaluator.get("mobile", ""),
                )
            )
        return plugin_pb2.TranslateResponse(case=case)


if __name__ == "__main__":
    govcase_plugin.serve(ProvinceJsonAdapter())
