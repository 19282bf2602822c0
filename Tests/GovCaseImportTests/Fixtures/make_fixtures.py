#!/usr/bin/env python3
"""Makes the import fixtures the way offices make them, and the outcomes expected of each, written by hand.

- hotline-gb18030.csv: what Excel on Chinese Windows saves as "CSV (逗号分隔)": GB18030 (code page 936's € as the
  single byte 0x80 in one cell), CRLF, quoted fields with line breaks, commas and doubled quotes, four-byte
  characters in names (𠂇 U+20087, 㐂 U+3402), and mistakes: an impossible date, a bad phone number, a kind the
  platform does not know, a missing work-order number, a row cut short, and one byte that is not GB18030.
- hotline-utf8-bom.csv: the same kind of file saved as "CSV UTF-8", with a BOM, and one byte that is not UTF-8.
- hotline.xlsx: a workbook saved by a spreadsheet (openpyxl): shared strings, date cells, a phone as a number,
  a second sheet, and mistakes.
- *.expected.json: each row's outcome (accepted order ids; each reject's line, column, field and rule).

Run: python3 make_fixtures.py (openpyxl pinned in Tests/Interop/requirements.txt). The outputs are committed.
"""
import csv
import datetime
import io
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = ["序号", "工单编号", "来电时间", "诉求类型", "来源渠道", "标题", "诉求内容", "来电人", "联系电话", "所属区划", "承办单位",
          "被反映对象", "备注"]
RESPONDENTS = {"投诉": "某景区", "举报": "某网吧"}


def with_respondent(table):
    """Each full row gets 被反映对象 before 备注: a complaint or a report names whom it is about."""
    out = []
    for cells, outcome in table:
        if len(cells) == 12:
            cells = cells[:11] + [RESPONDENTS.get(cells[3], "")] + cells[11:]
        out.append((cells, outcome))
    return out
UNIT = "潼南区文化和旅游发展委员会"


def rows(prefix):
    """The rows and what each should come to: (cells, outcome); outcome is 'accepted' or (column, field, rule)."""
    return [
        ([1, f"{prefix}-0001", "2025-03-03 09:15:00", "投诉", "电话", "景区门票价格",
          "景区门票价格与公示不符，\r\n要求退还差价€20", "𠂇先生", "13800138001", "500151", UNIT, ""], "accepted"),
        ([2, f"{prefix}-0002", "2025/3/4 10:20", "咨询", "微信", "开放时间", "图书馆周一是否开放？", "㐂女士", "13900139002",
          "500151", UNIT, "回电"], "accepted"),
        ([3, f"{prefix}-0003", "2025-03-05 14:00:00", "举报", "网站", "无证经营",
          '某网吧"未成年人"入内,夜间营业', "", "", "500151", UNIT, ""], "accepted"),
        ([4, f"{prefix}-0004", "2025-02-30 10:00:00", "投诉", "电话", "日期错误", "时间不存在", "张三", "13800138004",
          "500151", UNIT, ""], ("来电时间", "received_at", "format.time")),
        ([5, f"{prefix}-0005", "2025-03-06 08:30:00", "投诉", "电话", "电话错误", "号码位数不对", "李四", "12345",
          "500151", UNIT, ""], ("联系电话", "caller.phone", "*")),
        ([6, f"{prefix}-0006", "2025-03-06 09:00:00", "表扬", "电话", "类型未知", "表扬导游", "王五", "13800138006",
          "500151", UNIT, ""], ("诉求类型", "request_kind", "*")),
        ([7, "", "2025-03-06 10:00:00", "咨询", "电话", "无编号", "工单编号缺失", "赵六", "13800138007", "500151", UNIT,
          ""], ("工单编号", "order_id", "*")),
        ([8, f"{prefix}-0008", "2025-03-07 11:00:00", "求助", "短信", "坏字节", "BADBYTE", "钱七", "13800138008",
          "500151", UNIT, ""], ("诉求内容", "content", "encoding")),
        ([9, f"{prefix}-0009", "2025-03-07 12:00:00", "意见建议", "来访", "短行"], ("", "", "csv.field_count")),
        ([10, f"{prefix}-0010", "2025-03-08 16:45:00", "意见建议", "来访", "多行建议",
          "建议：\n1. 增加停车位\n2. 延长开放时间", "孙八", "13800138010", "500151", UNIT, ""], "accepted"),
    ]


def csv_bytes(table, encoding, bad, euro80=False):
    """CSV as Excel writes it (CRLF, minimal quoting), encoded, then the marked cell's byte made bad."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for cells, _ in table:
        writer.writerow(cells)
    data = out.getvalue().encode(encoding)
    data = data.replace(b"BADBYTE", bad)
    if euro80:  # code page 936 writes € as the single byte 0x80; GB18030's € is A2 E3
        data = data.replace("€".encode("gb18030"), b"\x80", 1)
    return data


def expectations(table, lines):
    accepted, rejects = [], []
    for (cells, outcome), line in zip(table, lines):
        if outcome == "accepted":
            accepted.append(cells[1])
        else:
            column, field, rule = outcome
            rejects.append({"line": line, "column": column, "field": field, "rule": rule})
    return {"accepted": accepted, "rejects": rejects}


def line_numbers(data, count):
    """Where each data row starts (the header is line 1), counting line breaks inside quoted fields."""
    text = data.decode("latin-1")
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, line = [], 1
    for n, row in enumerate(reader):
        if n > 0:
            starts.append(line)
        line += 1 + sum(cell.count("\n") for cell in row)
    return starts[:count]


def write_csv(name, encoding, bad, prefix, bom=False, euro80=False):
    table = with_respondent(rows(prefix))
    data = csv_bytes(table, encoding, bad, euro80)
    if bom:
        data = b"\xef\xbb\xbf" + data
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    expected = expectations(table, line_numbers(data.replace(b"\xef\xbb\xbf", b"", 1), len(table)))
    with open(os.path.join(HERE, name.rsplit(".", 1)[0] + ".expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=2)
        f.write("\n")


def write_xlsx():
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "工单"
    sheet.append(HEADER)
    table = [
        ([1, "TX-0001", datetime.datetime(2025, 3, 3, 9, 15), "投诉", "电话", "景区门票", "价格不符\n要求退款", "𠂇先生",
          13800138001, 500151, UNIT, None], "accepted"),
        ([2, "TX-0002", datetime.datetime(2025, 3, 4, 10, 20, 30), "咨询", "微信", "开放时间", "周一是否开放", "㐂女士",
          "13900139002", "500151", UNIT, "回电"], "accepted"),
        ([3, "TX-0003", "2025-13-01 10:00", "投诉", "电话", "日期错误", "月份不存在", "张三", "13800138004", "500151",
          UNIT, None], ("来电时间", "received_at", "format.time")),
        ([4, "TX-0004", datetime.datetime(2025, 3, 6, 8, 30), "投诉", "电话", "电话错误", "号码位数不对", "李四", 12345,
          "500151", UNIT, None], ("联系电话", "caller.phone", "*")),
        ([5, None, datetime.datetime(2025, 3, 6, 10, 0), "咨询", "电话", "无编号", "工单编号缺失", "赵六", "13800138007",
          "500151", UNIT, None], ("工单编号", "order_id", "*")),
        ([6, "TX-0006", datetime.date(2025, 3, 8), "意见建议", "来访", "日期单元格", "只有日期", "孙八", "13800138010",
          "500151", UNIT, None], "accepted"),
    ]
    table = with_respondent(table)
    for cells, _ in table:
        sheet.append(cells)
    sheet.cell(row=7, column=3).number_format = "yyyy/m/d"
    other = workbook.create_sheet("说明")
    other.append(["本表为12345工单导出"])
    workbook.save(os.path.join(HERE, "hotline.xlsx"))
    expected = expectations(table, list(range(2, 2 + len(table))))
    with open(os.path.join(HERE, "hotline.expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=2)
        f.write("\n")


if __name__ == "__main__":
    write_csv("hotline-gb18030.csv", "gb18030", b"\xff", "TG", euro80=True)
    write_csv("hotline-utf8-bom.csv", "utf-8", b"\xe5\x9d", "TU", bom=True)
    write_xlsx()
