"""The dashboard's routes of issue 20 read like every other reading route: each of
``/api/v1/series``, ``/api/v1/pivot``, ``/dashboard/map``, the pivot page, the dashboard page
and a saved view takes ``as_of`` (the figures as they were recorded by then) and
``boundaries`` (``current``: today's 34 provinces; ``as_reported``: the 63 of a period before
July 2025), and refuses an unknown one. A month's series is one 12-month line per year.

A small store of its own, SQLite: every old province's H1 2023 figure recorded on 15 July 2023,
Hà Nội's revised on 1 March 2024; the months of 2021–2023 of every province."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from tests.web.conftest import WebEnv, csrf, make_env

from chitieu.catalog.units import registry
from chitieu.store.values import NewValue

OLD = [u.id for u in registry().provinces(date(2023, 6, 30))]
FIRST, REVISED = 100.0, 250.0
BEFORE = "2024-01-01T00:00:00"  # after the first release, before Hà Nội's revision
HALF = {"period": "2023S1", "indicator": "ICT_REVENUE"}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(f"sqlite:///{tmp_path_factory.mktemp('dash-read') / 'r.db'}")
    first = [NewValue("ICT_REVENUE", u, "2023S1", "actual", FIRST) for u in OLD]
    e.store.write(first, source="test", created_by="t", at=datetime(2023, 7, 15))
    again = [NewValue("ICT_REVENUE", "01@63", "2023S1", "actual", REVISED)]
    e.store.write(again, source="test", created_by="t", at=datetime(2024, 3, 1))
    months = [
        NewValue("ICT_REVENUE", u, f"{y}{m:02d}", "actual", float(10 * y + m))
        for y in (2021, 2022, 2023)
        for m in range(1, 13)
        for u in OLD
    ]
    e.store.write(months, source="test", created_by="t", at=datetime(2024, 1, 10))
    yield e
    e.store.engine.dispose()


@pytest.fixture(autouse=True)
def _september_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHITIEU_NOW", "2026-09-15T03:00:00")


def _tiles(text: str) -> dict[str, str]:
    return dict(re.findall(r'data-unit="([^"]+)" data-value="([^"]*)"', text))


def test_the_series_api_reads_as_of_and_as_reported(env):
    c = env.api("analyst")
    q = {**HALF, "unit": "01@34"}
    now = c.get("/api/v1/series", params=q).json()["points"]
    then = c.get("/api/v1/series", params={**q, "as_of": BEFORE}).json()["points"]
    assert (now[-1]["period"], now[-1]["value"]) == ("2023S1", REVISED)
    assert then[-1]["value"] == FIRST
    old = c.get("/api/v1/series", params={**HALF, "unit": "01@63", "boundaries": "as_reported"})
    assert old.status_code == 200, old.text
    body = old.json()
    assert body["boundaries"] == "as_reported" and body["points"][-1]["value"] == REVISED
    bad = c.get("/api/v1/series", params={**HALF, "boundaries": "yesterday"})
    assert bad.status_code == 422 and "yesterday" in bad.text


def test_the_pivot_api_and_page_read_as_of_and_as_reported(env):
    c = env.api("analyst")
    q = {**HALF, "rows": "unit", "cols": "period", "years": 1}

    def hanoi(params: dict[str, object], label: str = "Thành phố Hà Nội") -> object:
        got = c.get("/api/v1/pivot", params=params)
        assert got.status_code == 200, got.text
        return next(r for r in got.json()["rows"] if r["label"] == label)["cells"][-1]["value"]

    assert hanoi(q) == REVISED and hanoi({**q, "as_of": BEFORE}) == FIRST
    rows = c.get("/api/v1/pivot", params={**q, "boundaries": "as_reported"}).json()["rows"]
    assert len(rows) == 63
    assert c.get("/api/v1/pivot", params={**q, "boundaries": "x"}).status_code == 422
    b = env.browser("analyst")
    page = b.get("/dashboard/pivot", params={**q, "as_of": BEFORE, "boundaries": "as_reported"})
    assert page.status_code == 200
    assert len(re.findall(r"<tr[^>]*>\s*<th[^>]*scope=\"row\"", page.text)) >= 63
    # the page's exports carry the same reading options (the file is the table on screen)
    link = re.search(r'href="([^"]*format=csv[^"]*)"', page.text)[1].replace("&amp;", "&")
    assert "as_of=" in link and "boundaries=as_reported" in link
    table = list(csv.reader(io.StringIO(b.get(link).content.decode("utf-8-sig"))))
    assert len([r for r in table if r and r[0].startswith(("Thành phố", "Tỉnh"))]) == 63


def test_the_map_reads_as_of_and_draws_63_provinces_as_reported(env):
    c = env.browser("analyst")
    now = _tiles(c.get("/dashboard/map", params=HALF).text)
    then = _tiles(c.get("/dashboard/map", params={**HALF, "as_of": BEFORE}).text)
    assert len(now) == len(then) == 34
    assert float(now["01@34"]) == REVISED and float(then["01@34"]) == FIRST
    old = c.get("/dashboard/map", params={**HALF, "boundaries": "as_reported"})
    tiles = _tiles(old.text)
    assert len(tiles) == 63 and all(u.endswith("@63") for u in tiles)
    assert float(tiles["01@63"]) == REVISED
    assert c.get("/dashboard/map", params={**HALF, "boundaries": "x"}).status_code == 422


def test_the_dashboard_page_and_a_saved_view_keep_as_of_and_boundaries(env):
    c = env.browser("analyst")
    page = c.get("/dashboard", params={**HALF, "as_of": BEFORE, "unit": "01@34"}).text
    assert "250" not in re.search(r'id="headline".*?</section>', page, re.S)[0]
    token = csrf(c, "/dashboard?period=2023S1")
    query = f"period=2023S1&unit=01%4063&boundaries=as_reported&as_of={BEFORE}&show=map"
    r = c.post("/dashboard/views", data={"csrf_token": token, "name": "Hà Nội trước sửa",
               "query": query}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    where = r.headers["location"]
    assert "boundaries=as_reported" in where and "as_of=2024-01-01" in where
    view = c.get(where).text
    tiles = _tiles(view)
    assert len(tiles) == 63 and float(tiles["01@63"]) == FIRST
    assert 'href="/dashboard?period=2023S1&amp;unit=01%4063&amp;boundaries=as_reported' in view


def test_a_months_series_is_one_12_month_line_per_year(env):
    got = env.api("analyst").get(
        "/api/v1/series", params={"indicator": "ICT_REVENUE", "period": "202306"}
    )
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["lines"] == ["2021", "2022", "2023"]
    by_line: dict[str, list[str]] = {}
    for p in body["points"]:
        by_line.setdefault(p["line"], []).append(p["period"])
    assert by_line["2021"] == [f"2021{m:02d}" for m in range(1, 13)]
    assert by_line["2022"] == [f"2022{m:02d}" for m in range(1, 13)]
    assert by_line["2023"] == [f"2023{m:02d}" for m in range(1, 7)]  # up to the month asked
    june = next(p for p in body["points"] if p["period"] == "202306")
    assert june["value"] == pytest.approx((10 * 2023 + 6) * len(OLD))
    page = env.browser("analyst").get("/dashboard", params={"period": "202306"}).text
    svg = re.search(r'<section class="card chart" id="chart-series">.*?</svg>', page, re.S)[0]
    assert re.findall(r'<g class="series" data-name="(\d{4})"', svg) == ["2021", "2022", "2023"]
    cats = re.findall(r'text-anchor="middle" fill="#333">(T\d+)</text>', svg)
    assert cats == [f"T{m}" for m in range(1, 13)]
    ticks = re.findall(r'<text x="84" y="[\d.]+" text-anchor="end" fill="#333">([^<]+)', svg)
    assert ticks[0] == "0"  # from zero


def test_the_year_to_date_is_a_series_across_years_and_its_change_is_a_figure(env):
    """Before: "9 tháng" drew a one-point series with garbled ticks and "—%" in green."""
    c = env.browser("analyst")
    page = c.get("/dashboard", params={"period": "2023YTD09"}).text
    svg = re.search(r'<section class="card chart" id="chart-series">.*?</svg>', page, re.S)[0]
    years = re.findall(r'text-anchor="middle" fill="#333">(\d{4})</text>', svg)
    assert years[-3:] == ["2021", "2022", "2023"] and svg.count("<circle") == 3
    head = re.sub(r"<[^>]+>", " ", re.search(r'id="headline".*?</section>', page, re.S)[0])
    assert "—%" not in head and "— %" not in head and "%" in head


def test_a_reporter_sees_its_own_series_not_an_empty_box(env):
    page = env.browser("reporter").get("/dashboard", params={"period": "2023S1"}).text
    svg = re.search(r'<section class="card chart" id="chart-series">.*?</svg>', page, re.S)[0]
    assert 'data-value="250.0"' in svg  # Hà Nội's own figure, revised
