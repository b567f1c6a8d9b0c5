"""One reading of "as of": offsets honoured, Vietnam time by default, a bare date its whole day."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chitieu.catalog.instants import InstantError, iso, parse_instant, show


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-07T16:21:43",  # Vietnam time
        "2026-12-07T16:21:43+07:00",
        "2026-12-07T09:21:43Z",
        "2026-12-07T09:21:43+00:00",
        "2026-12-07T17:21:43+08:00",
    ],
)
def test_every_spelling_names_the_same_instant(text: str) -> None:
    assert parse_instant(text) == datetime(2026, 12, 7, 9, 21, 43)


def test_a_bare_date_is_everything_recorded_before_the_next_vietnamese_midnight() -> None:
    end = parse_instant("2023-06-25")
    assert end == datetime(2023, 6, 25, 16, 59, 59, 999999)  # 23:59:59.999999 in Vietnam
    assert parse_instant("2023-06-25T23:59:59.5") <= end < parse_instant("2023-06-26T00:00")


@pytest.mark.parametrize("text", ["2025-13-01", "0", "yesterday", "", "2023-06-25T25:00"])
def test_a_bad_instant_is_a_usage_error(text: str) -> None:
    with pytest.raises(InstantError) as err:
        parse_instant(text)
    assert err.value.exit_code == 2 and err.value.http_status == 422
    vi, hint = err.value.text("vi")
    assert "ISO" in vi and "2023-06-25" in hint


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1)))
def test_iso_round_trips(at: datetime) -> None:
    assert parse_instant(iso(at) or "") == at


def test_shown_in_vietnam_time_with_the_zone_named() -> None:
    at = datetime(2023, 6, 28, 3, 0)
    assert show(at, "vi") == "28/06/2023 10:00 (giờ Việt Nam)"
    assert show(at, "en") == "28 June 2023, 10:00 (Vietnam time)"
    assert iso(at) == "2023-06-28T10:00:00+07:00"
