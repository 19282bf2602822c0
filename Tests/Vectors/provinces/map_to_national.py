#!/usr/bin/env python3
"""Maps a Shandong- or Fujian-shaped record set (shandong.json, fujian.json) onto the national contract's
ServiceNodeRecord (Shandong's 办件服务, pushed first) and EvaluationRecord, as an integrator would, following the tables in Tests/Vectors/README.md ("Provincial record
sets"). Prints one record per line, protobuf JSON with its @type; `govcase translate --adapter national-platform`
takes each as it is.

    python3 map_to_national.py shandong.json
"""

import datetime
import json
import sys

CHINA = datetime.timezone(datetime.timedelta(hours=8))
TYPE = "govcase.sources.national.v1.EvaluationRecord"
NODE_TYPE = "govcase.sources.national.v1.ServiceNodeRecord"


def utc(local: str) -> str:
    """'2025-03-03 09:10:00' in China time → '2025-03-03T01:10:00Z'."""
    at = datetime.datetime.strptime(local, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    return at.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def codes(joined: str) -> list:
    return [c for c in joined.split(",") if c]


def item(e: dict) -> dict:
    return {
        "item_code": e["taskCode"], "item_name": e["taskName"], "org_name": e["proDepart"],
        # 实施编码 = the implementing organisation's USCC (18) + 13.
        "org_credit_code": e["taskCode"][:18], "handle_item_code": e["taskHandleItem"],
        "subject": e["subMatter"],
    }


def shandong_nodes(data: dict) -> list:
    # 办件服务 records carry the node alone; the matter's region, item and time limit are the integrator's own data
    # about the matter, the same an evaluation of it carries (here: the first evaluation of the matter).
    matters = {}
    for e in data["evaluations"]:
        matters.setdefault(e["projectNo"], e)
    records = []
    for s in data["services"]:
        e = matters[s["projectNo"]]
        matter = {"status": s["proStatus"], "kind": e["promisetime"]}
        if "acceptDate" in s:
            matter["accepted_at"] = utc(s["acceptDate"])
        if "resultDate" in s:
            matter["completed_at"] = utc(s["resultDate"])
        if e.get("promiseDay"):
            matter["promised_limit"] = {"value": e["promiseDay"], "unit": e["promiseType"]}
        records.append({
            "@type": NODE_TYPE,
            # No node id of its own either: the natural key, (projectNo, serviceNumber).
            "node_id": f'{s["projectNo"]}-{s["serviceNumber"]}',
            "revision": 1,
            "matter_id": s["projectNo"],
            "service_number": s["serviceNumber"],
            "service_name": s["serviceName"],
            "service_time": utc(s["serviceTime"]),
            "region_code": e["areaCode"],
            "item": item(e),
            "matter": matter,
        })
    return records


def shandong(data: dict) -> list:
    # The node records are pushed first; an evaluation points at its node by (projectNo, assessNumber =
    # serviceNumber).
    nodes = {(s["projectNo"], s["serviceNumber"]): s for s in data["services"]}
    records = shandong_nodes(data)
    for e in data["evaluations"]:
        node = nodes[(e["projectNo"], e["assessNumber"])]
        matter = {"status": node["proStatus"], "kind": e["promisetime"]}
        if "acceptDate" in node:
            matter["accepted_at"] = utc(node["acceptDate"])
        if e.get("promiseDay"):
            matter["promised_limit"] = {"value": e["promiseDay"], "unit": e["promiseType"]}
        record = {
            "@type": TYPE,
            # Shandong has no evaluation id of its own: its natural key, (projectNo, assessNumber), becomes one.
            "evaluation_id": f'{e["projectNo"]}-{e["assessNumber"]}',
            "revision": 1,
            "matter_id": e["projectNo"],
            "item": item(e),
            "region_code": e["areaCode"],
            "channel": e["pf"],
            "level": e["satisfaction"],
            "detail_items": codes(e["evalDetail"]),
            "detail_version": e["evaversion"],
            "text": e["writingEvaluation"],
            "evaluator": {
                "party_type": e["userProp"], "real_name": bool(e["userName"]), "name": e["userName"],
                "phone": e["mobile"], "document_type": e["userPageType"], "cert_key": e["certKey"],
            },
            "evaluation_type": "2" if e["isdefault"] == "1" else "1",
            "evaluated_at": utc(e["assessTime"]),
            "invalid": e["effectivEvalua"] == "0",
            "data_source": e["dataSource"],
            "service_number": e["assessNumber"],
            "service_name": node["serviceName"],
            "service_time": utc(node["serviceTime"]),
            "matter": matter,
        }
        if "resultDate" in node:
            record["matter_completed_at"] = utc(node["resultDate"])
        records.append(record)
    return records


# Fujian's push names no implementing organisation: the integrator looks it up in the province's item list by the
# organisation's credit code, the first 18 characters of the 实施编码 (itemCode). The one organisation of fujian.json:
FUJIAN_ORGANISATIONS = {"11350102MB1938462D": "福州市鼓楼区不动产登记中心"}


def fujian(data: dict) -> list:
    # Fujian keys an evaluation by (businessCode, projectNo, nodeName) and sends no node number: a matter's nodes
    # are numbered in the order they were served, the first 1.
    served = {}
    for e in sorted(data["evaluations"], key=lambda e: e["serviceTime"]):
        names = served.setdefault(e["projectNo"], [])
        if e["nodeName"] not in names:
            names.append(e["nodeName"])
    records = []
    for e in data["evaluations"]:
        device = e["customFields"].split(",")[0] if e["customFields"] else ""
        matter = {"status": e["proStatus"], "accepted_at": utc(e["acceptDate"])}
        record = {
            "@type": TYPE,
            "evaluation_id": e["EXE_ID"],
            "revision": 1,
            "matter_id": e["projectNo"],
            "item": {
                "item_code": e["itemCode"], "item_name": e["businessName"],
                "org_name": FUJIAN_ORGANISATIONS[e["itemCode"][:18]],
                "org_credit_code": e["itemCode"][:18], "handle_item_code": e["businessCode"],
            },
            "region_code": e["regionCode"],
            "channel": e["pf"],
            "level": e["alternate"],
            "detail_items": codes(e["appraisald"]),
            "text": e["writingevalua"],
            "evaluator": {
                "party_type": e["userProp"], "real_name": bool(e["userName"]), "name": e["userName"],
                "phone": e["contactMobile"], "document_type": e["userPageType"], "cert_key": e["certKey"],
            },
            "evaluation_type": "1",
            "evaluated_at": utc(e["assessTime"]),
            "service_number": served[e["projectNo"]].index(e["nodeName"]) + 1,
            "service_name": e["nodeName"],
            "service_time": utc(e["serviceTime"]),
            "matter": matter,
            "device_number": device,
        }
        if "resultDate" in e:
            record["matter_completed_at"] = utc(e["resultDate"])
        records.append(record)
    return records


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    mapper = fujian if "EXE_ID" in data["evaluations"][0] else shandong
    for record in mapper(data):
        print(json.dumps(record, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
