"""台账 as Excel workbooks (openpyxl): cases, KPIs, the 红色四长 roster and the 爱心超市 ledgers.

Every sheet, header and value a person reads is Chinese (codes become their labels). A text cell that
starts with = + - @ (or a tab or carriage return) is stored as a string cell, never as a formula; unlike
the CSV (exports.text_cell) it keeps its text unchanged, since an xlsx cell carries its type.
openpyxl is imported when a workbook is written, not by every process that imports the app.
"""

import io
from datetime import datetime

from ..models import UNIT_KIND_LABELS
from .clock import LOCAL_TZ
from .exports import FORMULA_STARTS
from .kpis import COLUMN_LABELS, EXPORT_COLUMNS, RATE_COLUMNS

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
CASE_TIMES = (("received", "受理时间"), ("dispatched", "派单时间"), ("accepted", "签收时间"), ("started", "开始办理时间"),
              ("resolved", "办结时间"), ("visited", "回访时间"), ("closed", "关闭时间"))
CASE_HEADERS = ("案件编号", "标题", "渠道", "类别", "紧急程度", "状态", "超时", "地址", "责任单元", "责任人", "责任人角色",
                *(label for _, label in CASE_TIMES), "响应期限", "办结期限", "满意度", "办结说明")
ROSTER_HEADERS = ("姓名", "职务", "责任单元类型", "责任单元", "单元编号", "党员", "所在单位", "联系电话")
ACCOUNT_HEADERS = ("户号", "积分余额")
ENTRY_HEADERS = ("时间", "户号", "类型", "积分", "变动后余额", "事由", "关联案件")
ENTRY_KINDS = {"earn": "获得", "redeem": "兑换"}


def _local_time(value):
    """Return an ISO timestamp (or a datetime) as a naive China-time datetime, which Excel shows as is."""
    if not value:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None)


def _label(item):
    return item["label"] if item else None


def _write_sheet(book, title, headers, rows, *, formats=None):
    """Add a sheet: a bold header row, then the rows; formats maps a column index to a number format."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"  # text, never a formula
            elif formats and cell.column - 1 in formats and cell.value is not None:
                cell.number_format = formats[cell.column - 1]
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, 2 * len(header) + 4)
    sheet.freeze_panes = "A2"
    return sheet


def _workbook_bytes(sheets):
    """Return the .xlsx bytes of sheets: (title, headers, rows, formats) tuples."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, headers, rows, formats in sheets:
        _write_sheet(book, title, headers, rows, formats=formats)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def case_row(case):
    """Return one 台账 row of a serialized case (services.case_store.serialize_case), every code as its label."""
    unit, assignee = case["unit"], case["assignee"]
    return (case["code"], case["title"], _label(case["channel"]), _label(case["category"]), _label(case["urgency"]),
            case["status_label"], case["overdue_label"], case["address"],
            f"{unit['name']}（{unit['kind_label']}）" if unit else None, assignee["name"], assignee["role_label"],
            *(_local_time(case["times"][stage]) for stage, _ in CASE_TIMES),
            _local_time(case["response_due_at"]), _local_time(case["resolve_due_at"]),
            _label(case["satisfaction"]), case["resolution_note"])


def cases_xlsx(cases):
    """Return the cases (serialized, in list order) as a 民情台账 workbook, one row a case."""
    first_time = CASE_HEADERS.index(CASE_TIMES[0][1])
    formats = {i: TIME_FORMAT for i in range(first_time, first_time + len(CASE_TIMES) + 2)}
    return _workbook_bytes([("民情台账", CASE_HEADERS, [case_row(c) for c in cases], formats)])


def stats_xlsx(result, title):
    """Return KPI rows (services.kpis.stats) as a workbook; rates are percentages."""
    columns = list(EXPORT_COLUMNS)
    formats = {columns.index(c): PERCENT_FORMAT for c in RATE_COLUMNS}
    rows = [[row[c] for c in columns] for row in result["rows"]]
    return _workbook_bytes([(title, [COLUMN_LABELS[c] for c in columns], rows, formats)])


def roster_xlsx(people):
    """Return the 红色四长 roster (services.people.list_people, phones masked) as a workbook."""
    rows = [(p["name"], p["role_label"], UNIT_KIND_LABELS.get(p["unit"]["kind"]), p["unit"]["name"], p["unit"]["code"],
             "是" if p["party_member"] else "否", p["organisation"], p["phone"]) for p in people]
    return _workbook_bytes([("红色四长名册", ROSTER_HEADERS, rows, None)])


def ledger_xlsx(ledger):
    """Return the 爱心超市 ledgers (services.points.ledger) as a workbook: balances, then every entry."""
    accounts = [(a["household"], a["balance"]) for a in ledger["accounts"]]
    entries = [(_local_time(e["at"]), e["household"], ENTRY_KINDS.get(e["kind"], e["kind"]), e["points"],
                e["balance_after"], e["reason"], e["case"]) for e in ledger["entries"]]
    return _workbook_bytes([("积分账户", ACCOUNT_HEADERS, accounts, None),
                            ("积分流水", ENTRY_HEADERS, entries, {0: TIME_FORMAT})])

