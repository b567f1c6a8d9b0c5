"""Periods: DHIS2 ids, same period last year, year to date, months, roll-ups by time rule."""

import pytest

from chitieu.catalog.periods import (
    PeriodType,
    TimeRule,
    parse_period,
    periods_within,
    roll_up,
)
from chitieu.errors import PeriodError


@pytest.mark.parametrize(
    ("pid", "ptype", "start", "end", "n"),
    [
        ("2023", PeriodType.YEAR, "2023-01-01", "2023-12-31", 12),
        ("2023S1", PeriodType.HALF, "2023-01-01", "2023-06-30", 6),
        ("2023S2", PeriodType.HALF, "2023-07-01", "2023-12-31", 6),
        ("2023Q2", PeriodType.QUARTER, "2023-04-01", "2023-06-30", 3),
        ("202306", PeriodType.MONTH, "2023-06-01", "2023-06-30", 1),
        ("202402", PeriodType.MONTH, "2024-02-01", "2024-02-29", 1),
        ("2023YTD09", PeriodType.YTD, "2023-01-01", "2023-09-30", 9),
    ],
)
def test_parse(pid, ptype, start, end, n):
    p = parse_period(pid)
    assert (p.id, p.type, p.start.isoformat(), p.end.isoformat(), p.n_months) == (
        pid,
        ptype,
        start,
        end,
        n,
    )


@pytest.mark.parametrize(
    "bad", ["2023S3", "2023Q5", "202313", "23", "2023-06", "", "S1", "2023YTD13"]
)
def test_bad_ids(bad):
    with pytest.raises(PeriodError) as exc:
        parse_period(bad)
    assert "2023S1" in exc.value.hint


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2023YTD06", "2023S1"),
        ("2023YTD12", "2023"),
        ("2023YTD03", "2023Q1"),
        (" 2023s1 ", "2023S1"),
    ],
)
def test_canonical(text, canonical):
    assert parse_period(text).id == canonical


def test_same_period_last_year_and_ytd():
    assert parse_period("2023S1").same_period_last_year().id == "2022S1"
    assert parse_period("202306").same_period_last_year().id == "202206"
    assert parse_period("2023Q3").year_to_date().id == "2023YTD09"
    assert parse_period("202309").year_to_date().id == "2023YTD09"
    assert parse_period("2023S1").year_to_date().id == "2023S1"
    assert [m.id for m in parse_period("2023Q2").months()] == ["202304", "202305", "202306"]


def test_parts_tile_the_period():
    assert [q.id for q in parse_period("2023YTD09").parts()] == ["2023S1", "2023Q3"]
    assert [q.id for q in parse_period("2023YTD05").parts()] == ["2023Q1", "202304", "202305"]
    for pid in ["2023", "2023S2", "2023Q4", "2023YTD11"]:
        p = parse_period(pid)
        months = [m.id for q in p.parts() for m in q.months()]
        assert months == [m.id for m in p.months()]
    assert {q.id for q in periods_within(parse_period("2023S1"))} >= {
        "2023S1",
        "2023Q1",
        "2023Q2",
        "202301",
        "202306",
    }


MONTHS = {f"2023{m:02d}": float(m * 10) for m in range(1, 13)}


def test_flow_rolls_up_as_sum():
    r = roll_up(MONTHS, parse_period("2023S1"), TimeRule.SUM)
    assert r.value == 10 + 20 + 30 + 40 + 50 + 60
    assert roll_up(MONTHS, parse_period("2023"), TimeRule.SUM).value == sum(MONTHS.values())
    assert roll_up(MONTHS, parse_period("2023YTD09"), TimeRule.SUM).value == 450


def test_stock_takes_last_value():
    # labour "as of June": the half-year figure is June's
    assert roll_up(MONTHS, parse_period("2023S1"), TimeRule.LAST).value == 60
    assert roll_up(MONTHS, parse_period("2023"), TimeRule.LAST).value == 120
    assert roll_up(MONTHS, parse_period("2023Q3"), TimeRule.LAST).value == 90


def test_average_weights_by_months():
    vals = {"2023Q1": 10.0, "202304": 40.0, "202305": 40.0, "202306": 40.0}
    assert roll_up(vals, parse_period("2023S1"), TimeRule.AVERAGE).value == 25.0


def test_mixed_granularity_and_direct_value_wins():
    vals = {"2023Q1": 100.0, "202304": 1.0, "202305": 2.0, "202306": 3.0}
    r = roll_up(vals, parse_period("2023S1"), TimeRule.SUM)
    assert r.value == 106 and r.sources == ("2023Q1", "202304", "202305", "202306")
    vals["2023S1"] = 999.0
    assert roll_up(vals, parse_period("2023S1"), TimeRule.SUM).value == 999


def test_incomplete_flow_is_none_but_stock_needs_only_the_end():
    vals = {"202301": 1.0, "202306": 6.0}
    assert roll_up(vals, parse_period("2023S1"), TimeRule.SUM) is None
    assert roll_up(vals, parse_period("2023S1"), TimeRule.LAST).value == 6
    assert roll_up(vals, parse_period("2023S1"), TimeRule.NONE) is None
