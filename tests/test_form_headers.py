"""The words of an official form's header and title (issue 18): every period a form can name
is read back from the text the layouts write, whatever the case, NFC or NFD (hypothesis)."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from chitieu.catalog.periods import parse_period
from chitieu.collect.layouts.grid import split_mark
from chitieu.collect.layouts.headers import meaning, title_period

#: (text with {y}, the period id it names with {y})
NAMED = [
    ("Thực hiện 6 tháng đầu năm {y}", "{y}S1"),
    ("Ước thực hiện 6 tháng cuối năm {y}", "{y}S2"),
    ("Thực hiện quý II/{y}", "{y}Q2"),
    ("Thực hiện quý 3 năm {y}", "{y}Q3"),
    ("Thực hiện tháng 6/{y}", "{y}06"),
    ("Ước thực hiện 9 tháng năm {y}", "{y}YTD09"),
    ("Thực hiện năm {y}", "{y}"),
    ("Kế hoạch năm {y}", "{y}"),
]
KINDS = {"Thực": "actual", "Ước": "estimate", "Kế": "plan"}


def _variant(text: str, how: int) -> str:
    return [text, text.upper(), unicodedata.normalize("NFD", text), "  ".join(text.split())][how]


@given(st.integers(2001, 2098), st.sampled_from(NAMED), st.integers(0, 3))
def test_a_column_is_read_as_its_kind_and_period(year: int, named, how: int) -> None:  # type: ignore[no-untyped-def]
    text, pid = named
    base = parse_period(f"{year}S1")
    got = meaning((_variant(text.format(y=year), how),), base)
    assert got is not None and got.period is not None
    assert got.period.id == parse_period(pid.format(y=year)).id
    assert got.kind == KINDS[text.split()[0]]


@given(st.integers(2001, 2098), st.integers(0, 3))
def test_a_title_names_its_period_and_last_year_is_the_same_period(year: int, how: int) -> None:
    title = _variant(f"BIỂU SỐ 01 – BÁO CÁO KẾT QUẢ 6 THÁNG ĐẦU NĂM {year}", how)
    p = title_period(title)
    assert p is not None and p.id == f"{year}S1"
    same = meaning(("Thực hiện 6 tháng cùng kỳ",), p)
    assert same is not None and same.period is not None and same.period.id == f"{year - 1}S1"
    assert meaning(("So sánh cùng kỳ (%)",), p).derived == "yoy"  # type: ignore[union-attr]
    assert meaning(("So với kế hoạch (%)",), p).derived == "plan"  # type: ignore[union-attr]


@given(st.decimals(0, 10**9, places=2), st.sampled_from(["(*)", "*", "(1)", "(**)"]))
def test_a_footnote_mark_is_split_from_its_number(value, mark: str) -> None:  # type: ignore[no-untyped-def]
    text = f"{value} {mark}"
    assert split_mark(text) == (str(value), mark)
    assert split_mark(str(value)) == (str(value), None)
