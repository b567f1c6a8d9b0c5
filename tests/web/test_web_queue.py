"""The analyst's work queue (issue 19): filters and sort as query parameters, bulk actions
confirmed from a list of what will happen, and the queue as Excel through interop/xlsx.py; on
SQLite and PostgreSQL (bulk approval writes)."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from tests.web.conftest import FORM, OWN, csrf

PERIOD = "2026S1"
SUB = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}?round=actual"
KEY = f"{FORM}|{OWN}|{PERIOD}|actual"
QUEUE = f"/queue?form={FORM}&period={PERIOD}"
VALUES = {"ICT_REVENUE": 1100, "ICT_BUDGET": 10, "ICT_GDP": 41900, "ICT_LABOUR": 500}


def _accepted(web) -> None:  # type: ignore[no-untyped-def]
    """The own unit's actual report, submitted and accepted by its head."""
    rep = web.api("reporter")
    v = rep.get(SUB).json()["submission"]["version"]
    assert rep.put(SUB, json={"values": VALUES, "version": v}).status_code == 200
    base, query = SUB.split("?")
    assert rep.post(f"{base}/submit?{query}", json={}).status_code == 200
    assert web.api("head").post(f"{base}/accept?{query}", json={}).status_code == 200


def _units(html: str) -> list[str]:
    return re.findall(r'<tr class="t-[a-z_]+" data-unit="([^"]+)"', html)


def test_queue_filters_sort_and_bulk_approve_with_confirmation(web):
    _accepted(web)
    c = web.browser("analyst")
    everything = c.get(QUEUE)
    assert everything.status_code == 200 and len(_units(everything.text)) > 30
    waiting = c.get(QUEUE + "&state=accepted")
    assert _units(waiting.text) == [OWN]
    assert _units(c.get(QUEUE + "&state=accepted&round=estimate").text) == []
    assert c.get(QUEUE + "&late=late&sort=late&round=actual").status_code == 200
    tok = csrf(c, QUEUE)
    foreign = f"{FORM}|79@34|{PERIOD}|actual"
    ask = c.post("/queue/bulk", data={"csrf_token": tok, "action": "approve",
                                      "report": [KEY, foreign]})  # fmt: skip
    assert ask.status_code == 200 and 'id="bulk-plan"' in ask.text
    plan = re.findall(r'<tr data-unit="([^"]+)" class="(ok|skip)"', ask.text)
    assert plan == [(OWN, "ok"), ("79@34", "skip")]  # what will happen, before anything does
    assert web.api("analyst").get(SUB).json()["submission"]["status"] == "accepted"
    token = re.search(r'name="confirm" value="([^"]+)"', ask.text).group(1)
    # a token for another list of reports does not confirm this one
    wrong = c.post("/queue/bulk", data={"csrf_token": tok, "action": "approve",
                                        "report": [KEY], "confirm": token})  # fmt: skip
    assert 'id="confirm"' in wrong.text
    assert web.api("analyst").get(SUB).json()["submission"]["status"] == "accepted"
    done = c.post("/queue/bulk", data={"csrf_token": tok, "action": "approve",
                                       "report": [KEY, foreign], "confirm": token})  # fmt: skip
    assert done.status_code == 200 and 'id="confirm"' not in done.text
    assert web.api("analyst").get(SUB).json()["submission"]["status"] == "approved"
    assert _units(c.get(QUEUE + "&state=approved").text) == [OWN]


def test_bulk_return_needs_a_comment_and_is_told_per_report(web):
    _accepted(web)
    c = web.browser("analyst")
    tok = csrf(c, QUEUE)
    ask = c.post("/queue/bulk", data={"csrf_token": tok, "action": "return", "report": [KEY]})
    token = re.search(r'name="confirm" value="([^"]+)"', ask.text).group(1)
    done = c.post("/queue/bulk", data={"csrf_token": tok, "action": "return", "report": [KEY],
                                       "confirm": token})  # fmt: skip
    assert web.api("analyst").get(SUB).json()["submission"]["status"] == "accepted"
    assert "bulk-plan" in done.text  # the workflow's refusal, told on the report's line


def test_queue_as_excel_through_the_one_writer(web_sqlite):
    _accepted(web_sqlite)
    c = web_sqlite.browser("analyst")
    r = c.get(f"/queue.xlsx?form={FORM}&period={PERIOD}&state=accepted")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert rows[0][0].startswith("Báo cáo sơ kết 6 tháng")  # the caption
    assert rows[1][:3] == ["Đơn vị", "Đợt báo cáo", "Trạng thái"]
    assert rows[2][0] == "Thành phố Hà Nội" and len(rows) == 3


def test_the_queue_is_not_for_reporters_units_of_others(web_sqlite):
    c = web_sqlite.browser("reporter")
    units = _units(c.get(QUEUE).text)
    assert set(units) == {OWN}  # a reporter sees only its own unit's reports


def test_bulk_actions_on_others_reports_are_listed_as_not_possible(web_sqlite):
    _accepted(web_sqlite)
    c = web_sqlite.browser("reporter")
    tok = csrf(c, "/")
    foreign = f"{FORM}|79@34|{PERIOD}|actual"
    ask = c.post("/queue/bulk", data={"csrf_token": tok, "action": "approve",
                                      "report": [KEY, foreign]})  # fmt: skip
    assert re.findall(r"<tr data-unit=\"[^\"]*\" class=\"(ok|skip)\"", ask.text) == ["skip", "skip"]
    assert "Thành phố Hồ Chí Minh" not in ask.text  # another unit is not even named
