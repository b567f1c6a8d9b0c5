"""Hostile values through the web (issue 11): ``POST /api/v1/values``, ``PUT`` of a form, the
entry page and the Excel upload refuse NaN, infinities, booleans, values outside their
indicator's domain, NUL and control characters and lone surrogates with a finding at the
value's place (for the API: its ``index`` in the batch and its field), never a 500; a batch
with a key twice or no value at all is refused; nothing is written."""

from __future__ import annotations

import io
import json
import math
import re
import zipfile

import pytest
from openpyxl import load_workbook
from tests.web.conftest import FORM, OWN, PERIOD, csrf

VALUES = "/api/v1/values"
BASE = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}"
ENTRY = f"/entry/{FORM}/{OWN}/{PERIOD}"


def _row(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {"indicator": "ICT_REVENUE", "unit": OWN, "period": "2025S2",
                              "value": 5, "kind": "actual"}  # fmt: skip
    row.update(kw)
    return row


def _post(client, raw: str):  # type: ignore[no-untyped-def]
    """POST a raw JSON text (Python's json writes NaN and Infinity; a client may too)."""
    return client.post(VALUES, content=raw, headers={"Content-Type": "application/json"})


def _batch(*rows: dict[str, object]) -> str:
    return json.dumps({"values": list(rows)})


# a raw JSON text, the finding's type, its field and the value it shows
CASES = [
    (_batch(_row(value=math.nan)), "non-finite-number", "value", "NaN"),
    (_batch(_row(value=math.inf)), "non-finite-number", "value", "Infinity"),
    (_batch(_row(value=-math.inf)), "non-finite-number", "value", "-Infinity"),
    (_batch(_row(value=0)).replace('"value": 0', '"value": 1e309'), "non-finite-number",
     "value", "Infinity"),
    (_batch(_row(value=10**400)), "non-finite-number", "value", "~1e400"),
    (_batch(_row(value="NaN")), "non-finite-number", "value", "NaN"),
    (_batch(_row(value=True)), "boolean-value", "value", "true"),
    (_batch(_row(value=False)), "boolean-value", "value", "false"),
    (_batch(_row(value=None)), "missing-value", "value", None),
    (_batch(_row(indicator="PUB_TITLES", value="\u22125")), "out-of-domain", "value", "\u22125"),
    (_batch(_row(indicator="PUB_PUBLISHERS", value=-3)), "out-of-domain", "value", -3),
    (_batch(_row(indicator="TEL_REVENUE", value="-12,5")), "out-of-domain", "value", "-12,5"),
    (_batch(_row(comment="a\x00b")), "bad-text", "comment", "a<U+0000>b"),
    (_batch(_row(comment="màu \x1b[31m đỏ")), "bad-text", "comment", "màu <U+001B>[31m đỏ"),
    (_batch(_row(comment="\ud800")), "bad-text", "comment", "<U+D800>"),
    (_batch(_row(unit="01@34\ud800")), "bad-text", "unit", "01@34<U+D800>"),
    (_batch(_row(indicator="ICT_\x00REVENUE")), "bad-text", "indicator", "ICT_<U+0000>REVENUE"),
    (_batch(_row(value="5\ud800")), "bad-text", "value", "5<U+D800>"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "type_", "field", "shown"), CASES)
def test_a_hostile_value_is_refused_at_its_index(web, raw, type_, field, shown):
    rep = web.api("reporter")
    assert rep.post(VALUES, json={"values": [_row(value=5)]}).status_code == 200
    before = web.store.count()
    good = _row(period="2026S1", value=7)
    body = json.loads(raw)
    raw = raw.replace('{"values": [', '{"values": [' + json.dumps(good) + ", ", 1)
    assert len(json.loads(raw)["values"]) == len(body["values"]) + 1
    r = _post(rep, raw)
    assert r.status_code == 422, r.text
    out = r.json()
    assert out["ok"] is False and out["error"]
    (f,) = [f for f in out["report"]["findings"] if f["severity"] == "error"]
    assert (f["type"], f["index"], f["column"], f["value"]) == (type_, 1, field, shown)
    assert f["message"]["vi"] and f["message"]["en"] and f["hint"]["vi"] and f["hint"]["en"]
    assert web.store.count() == before  # nothing written: not the good value either
    # and on SQLite, NaN did not become a NULL that reads as a deletion of the stored value
    stored = rep.get(VALUES, params={"period": ["2025S2", "2026S1"]}).json()["values"]
    assert [(v["indicator"], v["period"], v["value"]) for v in stored] == [
        ("ICT_REVENUE", "2025S2", 5.0)
    ]


def test_a_key_twice_in_a_batch_names_both_indices(web):
    rep = web.api("reporter")
    rows = [_row(), _row(period="2026S1", value=1), _row(kind="thực hiện", value=6)]
    r = rep.post(VALUES, json={"values": rows})
    assert r.status_code == 422
    (f,) = [f for f in r.json()["report"]["findings"] if f["severity"] == "error"]
    assert (f["type"], f["index"], f["indices"]) == ("batch-duplicate", 2, [0, 2])
    assert "values[2]" in f["message"]["en"] and "values[0]" in f["message"]["vi"]
    assert web.store.count() == 2


@pytest.mark.parametrize("raw", ['{"values": []}', "", "{}", "null"])
def test_an_empty_batch_is_refused(web, raw):
    r = _post(web.api("reporter"), raw)
    assert r.status_code == 422
    out = r.json()
    (f,) = out["report"]["findings"]
    assert f["type"] == "empty-batch" and f["message"]["vi"] and f["hint"]["en"]
    assert web.store.count() == 2 and len(web.store.batches()) == 1  # no empty batch recorded


def test_a_rule_error_carries_the_index_of_its_values(web):
    ana = web.api("analyst")
    period = "2025S2"
    rows = [_row(period=period, value=100)] + [
        _row(indicator=c, period=period, value=1)
        for c in ("TEL_REVENUE", "IT_REVENUE", "POST_REVENUE", "PPD_REVENUE", "PRESS_REVENUE")
    ]
    r = ana.post(VALUES, json={"values": rows})
    assert r.status_code == 422
    [f] = [f for f in r.json()["report"]["findings"] if f["severity"] == "error"]
    assert f["type"] == "ict-revenue-balance" and f["index"] == 0
    assert f["indices"] == [0, 1, 2, 3, 4, 5]
    # with a row error too (the rules then check the other rows on a dry run): still indexed
    rows.append(_row(indicator="PUB_TITLES", value=-1))
    r = ana.post(VALUES, json={"values": rows})
    got = {f["type"]: f["index"] for f in r.json()["report"]["findings"]}
    assert got == {"ict-revenue-balance": 0, "out-of-domain": 6}
    assert web.store.count() == 2


def test_a_good_batch_still_goes_in_and_its_findings_are_indexed(web):
    rep = web.api("reporter")
    rows = [_row(period="2025S2", value=0), _row(indicator="PUB_TITLES", value="1.234")]
    r = rep.post(VALUES, json={"values": rows, "locale": "vi"})
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == 2 and web.store.count() == 4


# --- PUT of a form, the entry page, the Excel upload ---------------------------------------


def _put(client, body: dict[str, object]):  # type: ignore[no-untyped-def]
    v = client.get(BASE).json()["submission"]["version"]
    raw = json.dumps({**body, "version": v})
    return client.put(BASE, content=raw, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("body", "type_", "indicator", "field"),
    [
        ({"values": {"ICT_REVENUE": True}}, "boolean-value", "ICT_REVENUE", "value"),
        ({"values": {"ICT_REVENUE": math.nan}}, "non-finite-number", "ICT_REVENUE", "value"),
        ({"values": {"ICT_BUDGET": "Infinity"}}, "non-finite-number", "ICT_BUDGET", "value"),
        ({"values": {"ICT_LABOUR": "\u221210"}}, "out-of-domain", "ICT_LABOUR", "value"),
        ({"values": {"ICT_GDP": 5}, "comments": {"ICT_GDP": "a\x00b"}}, "bad-text", "ICT_GDP",
         "comment"),
        ({"values": {"ICT_GDP": 5}, "comments": {"ICT_GDP": "\udfff"}}, "bad-text", "ICT_GDP",
         "comment"),
        ({"values": {"ICT_\ud800": 5}}, "outside-form", "ICT_<U+D800>", None),
        ({"values": {"ICT_GDP": 5}, "comments": {"\ud800": "x"}}, "outside-form", "<U+D800>",
         "comment"),
    ],
)  # fmt: skip
def test_a_form_save_refuses_hostile_values(web, body, type_, indicator, field):
    rep = web.api("reporter")
    r = _put(rep, body)
    assert r.status_code == 422, r.text
    (f,) = r.json()["report"]["findings"]
    assert (f["type"], f["indicator"], f.get("column")) == (type_, indicator, field)
    assert f["message"]["vi"] and f["hint"]["en"]
    assert web.store.count() == 2
    assert rep.get(BASE).json()["submission"]["status"] == "not_started"


def test_the_entry_page_refuses_a_negative_count_and_a_nan(web_sqlite):
    c = web_sqlite.browser("reporter")
    page = c.get(ENTRY)
    version = re.search(r'name="version" value="([^"]+)"', page.text).group(1)
    form = {"csrf_token": csrf(c, ENTRY), "version": version, "action": "save",
            "v__ICT_REVENUE": "NaN", "v__ICT_LABOUR": "−5"}  # fmt: skip
    bad = c.post(ENTRY, data=form)
    assert bad.status_code == 422
    row = r'<fieldset class="entry-row has-error[^"]*"(.*?)</fieldset>'
    errors = re.findall(row, bad.text, re.S)
    assert len(errors) == 2
    assert 'id="v__ICT_REVENUE"' in errors[0] and 'id="v__ICT_LABOUR"' in errors[1]
    assert "từ 0 trở lên" in errors[1]
    assert web_sqlite.store.count() == 2


def _upload(c, data: bytes):  # type: ignore[no-untyped-def]
    return c.post(
        ENTRY + "/upload",
        data={"csrf_token": csrf(c, ENTRY)},
        files={"file": ("bieu.xlsx", data, "application/octet-stream")},
    )


def test_the_excel_upload_refuses_nan_cells_and_negative_values(web_sqlite):
    c = web_sqlite.browser("reporter")
    wb = load_workbook(io.BytesIO(c.get(ENTRY + "/template.xlsx?layout=long").content))
    ws = wb["Số liệu"]
    ws["H2"], ws["H3"], ws["H5"] = 424242, 1, -5  # H2 becomes NaN in the sheet's XML
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            part = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                part = part.replace(b"<v>424242</v>", b"<v>NaN</v>")
            dst.writestr(item, part)
    r = _upload(c, out.getvalue())
    assert r.status_code == 422
    cells = re.findall(r'<td class="cell">([A-Z]+\d+)</td>', r.text)
    assert cells == ["H2", "H5"], cells
    api = web_sqlite.api("reporter")
    sub = api.get(BASE).json()["submission"]
    assert all(v["value"] is None for v in sub["values"].values())  # nothing stored
