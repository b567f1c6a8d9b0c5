"""Tests for chitieu.collect.numbers: Vietnamese and English number reading."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from chitieu.collect.numbers import (
    AmbiguousNumberError,
    ParsedNumber,
    detect_locale,
    format_ambiguity,
    parse_number,
)
from chitieu.errors import NumberFormatError


@pytest.mark.parametrize(
    ("text", "locale", "value", "decided"),
    [
        # figures from the source document
        ("1.614.206", "vi", 1614206, "vi"),
        ("1.614.206", None, 1614206, "vi"),
        ("45.405", "vi", 45405, "vi"),
        ("389.792", "vi", 389792, "vi"),
        ("1.512.144", None, 1512144, "vi"),
        ("8,66", "vi", 8.66, "vi"),
        ("8,66", None, 8.66, "vi"),
        ("39,6", None, 39.6, "vi"),
        ("99,17", "vi", 99.17, "vi"),
        ("-8,66", None, -8.66, "vi"),
        ("−7,2", None, -7.2, "vi"),
        ("−7,2", "vi", -7.2, "vi"),
        # Vietnamese
        ("1.614.206,5", "vi", 1614206.5, "vi"),
        ("1.614.206,5", None, 1614206.5, "vi"),
        ("0,5", None, 0.5, "vi"),
        ("0,123", None, 0.123, "vi"),
        ("-0,123", None, -0.123, "vi"),
        ("1,000", "vi", 1.0, "vi"),
        (",5", "vi", 0.5, "vi"),
        # English
        ("1,614,206", "en", 1614206, "en"),
        ("1,614,206", None, 1614206, "en"),
        ("1,614,206.5", None, 1614206.5, "en"),
        ("8.66", None, 8.66, "en"),
        ("0.123", None, 0.123, "en"),
        ("45.405", "en", 45.405, "en"),
        ("1,234", "en", 1234, "en"),
        ("1.2345", None, 1.2345, "en"),
        ("01.234", None, 1.234, "en"),
        # same in both
        ("1614206", None, 1614206, None),
        ("12", None, 12, None),
        ("0", None, 0, None),
        ("1614206", "vi", 1614206, "vi"),
        ("1614206", "en", 1614206, "en"),
        # spaces, signs, percent
        ("1 614 206", None, 1614206, None),
        ("1 614 206", "vi", 1614206, "vi"),
        ("1\u00a0614\u00a0206,5", None, 1614206.5, "vi"),
        ("1\u202f614\u202f206.5", "en", 1614206.5, "en"),
        ("1 614,206", None, 1614.206, "vi"),
        ("  +12\t", None, 12, None),
        ("- 8,66", "vi", -8.66, "vi"),
        ("\u00a08,66\u00a0", None, 8.66, "vi"),
        ("8,66%", None, 8.66, "vi"),
        ("8,66 %", "vi", 8.66, "vi"),
        ("-7.2%", "en", -7.2, "en"),
        ("99,17%", None, 99.17, "vi"),
    ],
)
def test_parse_number(text: str, locale: str | None, value: float, decided: str | None) -> None:
    assert parse_number(text, locale) == ParsedNumber(pytest.approx(value), decided)


@pytest.mark.parametrize("value", [12, 0, -3, 8.66, -7.2, 1614206.0, 10**20])
def test_numbers_pass_through(value: float) -> None:
    assert parse_number(value) == ParsedNumber(float(value), None)
    assert parse_number(value, "vi").value == float(value)


@pytest.mark.parametrize("value", [True, False, math.nan, math.inf, -math.inf, 10**400, None, [1]])
def test_non_numbers_refused(value: object) -> None:
    with pytest.raises(NumberFormatError):
        parse_number(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "locale", "hint_part"),
    [
        ("1.61.4206", "vi", 'write 1614206 or 1.614.206 (Vietnamese: "." groups thousands'),
        ("1.614.206", "en", "write 1614206 or 1,614,206 (English"),
        ("8,66", "en", "write 8.66 (English"),
        ("0.5", "vi", "write 0,5 (Vietnamese"),
        ("1,614,206.5", "vi", "write 1614206,5 or 1.614.206,5"),
        ("-1,614,206", "vi", "write -1614206 or -1.614.206"),
        ("1234.567", "vi", "write 1234,567 or 1.234,567"),
        ("(123)", None, "write -123"),
        ("(1.614.206)", "vi", "write -1.614.206"),
        ("abc", "vi", "write digits"),
        ("", None, "write digits"),
        ("   ", "en", "write digits"),
        ("%", None, "write digits"),
        ("1e5", None, "Vietnamese"),
        ("1.614.206,5", "en", "write 1614206.5 or 1,614,206.5"),
        ("1.", "vi", "write"),
        ("1 61 206", None, "spaces may only group thousands"),
        ("12,34.5", None, "write"),
        ("1.614,206.5", None, "write"),
        ("٣", None, "write"),
        ("1" * 500, None, "check"),
    ],
)
def test_invalid_text(text: str, locale: str | None, hint_part: str) -> None:
    with pytest.raises(NumberFormatError) as info:
        parse_number(text, locale)
    assert not isinstance(info.value, AmbiguousNumberError)
    assert hint_part in info.value.hint
    assert f'"{text[:20]}' in info.value.message


def test_double_spaced_groups_are_collapsed() -> None:
    assert parse_number("1  614", "vi").value == 1614


@pytest.mark.parametrize(
    ("text", "vi", "en"),
    [
        ("1.234", 1234, 1.234),
        ("45,405", 45.405, 45405),
        ("389.792", 389792, 389.792),
        ("45.405", 45405, 45.405),
        ("-1.000", -1000, -1.0),
        ("999,999%", 999.999, 999999),
    ],
)
def test_ambiguous(text: str, vi: float, en: float) -> None:
    with pytest.raises(AmbiguousNumberError) as info:
        parse_number(text)
    err = info.value
    assert isinstance(err, NumberFormatError)
    assert err.ambiguous is True
    assert err.readings == {"vi": pytest.approx(vi), "en": pytest.approx(en)}
    assert f'"{text}"' in err.message
    assert "--locale vi" in err.hint and "--locale en" in err.hint
    assert parse_number(text, "vi").value == pytest.approx(vi)
    assert parse_number(text, "en").value == pytest.approx(en)


def test_format_ambiguity() -> None:
    hint = format_ambiguity("1.234", {"vi": 1234.0, "en": 1.234})
    assert '--locale vi if "." groups thousands (1.234 = 1234)' in hint
    assert '--locale en if "." marks decimals (1.234 = 1.234)' in hint


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["1.614.206", "45.405", "8,66", "12"], "vi"),
        (["1,614,206", "45,405", "8.66", "12"], "en"),
        (["45.405", "389.792"], None),
        (["12", "1614206", "1 614 206"], None),
        ([], None),
        (["1.614.206", "", "n/a", "(12)"], "vi"),
        (["-0.5", "45,405"], "en"),
    ],
)
def test_detect_locale(texts: list[str], expected: str | None) -> None:
    assert detect_locale(texts) == expected


def test_detect_locale_conflict() -> None:
    with pytest.raises(NumberFormatError) as info:
        detect_locale(["12", "1.614.206", "45.405", "8.66", "8,66"])
    assert '"1.614.206"' in info.value.message and '"8.66"' in info.value.message
    assert "--locale" in info.value.hint


def test_detect_then_parse() -> None:
    column = ["1.614.206", "45.405", "389.792", "1.512.144"]
    locale = detect_locale(column)
    assert [parse_number(t, locale).value for t in column] == [1614206, 45405, 389792, 1512144]


amounts = st.one_of(
    st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False),
    st.integers(min_value=-(10**15), max_value=10**15).map(Decimal),
)


@pytest.mark.parametrize("locale", ["vi", "en"])
@given(value=amounts)
def test_babel_round_trip(locale: str, value: Decimal) -> None:
    text = format_decimal(value, format="#,##0.####", locale=locale)
    parsed = parse_number(text, locale)
    assert parsed.locale == locale
    assert parsed.value == pytest.approx(float(value), rel=1e-12, abs=1e-9)


@given(value=amounts)
def test_unambiguous_round_trip_without_locale(value: Decimal) -> None:
    for locale in ("vi", "en"):
        text = format_decimal(value, format="#,##0.####", locale=locale)
        try:
            parsed = parse_number(text)
        except AmbiguousNumberError as err:
            assert err.readings[locale] == pytest.approx(float(value), rel=1e-12, abs=1e-9)
            continue
        assert parsed.locale in (locale, None)
        assert parsed.value == pytest.approx(float(value), rel=1e-12, abs=1e-9)


@given(text=st.text(), locale=st.sampled_from([None, "vi", "en"]))
def test_arbitrary_text_only_raises_number_format_error(text: str, locale: str | None) -> None:
    try:
        result = parse_number(text, locale)
    except NumberFormatError as err:
        assert err.message and err.hint
    else:
        assert math.isfinite(result.value)


@given(text=st.text(alphabet="0123456789.,-−+% \u00a0()"), locale=st.sampled_from(["vi", "en"]))
def test_number_like_text_only_raises_number_format_error(text: str, locale: str) -> None:
    try:
        parse_number(text, locale)
    except NumberFormatError as err:
        assert err.message and err.hint


@given(texts=st.lists(st.text(alphabet="0123456789.,- ", max_size=12), max_size=8))
def test_detect_locale_only_raises_number_format_error(texts: list[str]) -> None:
    try:
        locale = detect_locale(texts)
    except NumberFormatError:
        return
    assert locale in ("vi", "en", None)


def spellings() -> list[dict[str, str]]:
    """The one table of number spellings and their verdicts (shared with the web's tests)."""
    import csv
    from pathlib import Path

    path = Path(__file__).parent / "data" / "number_spellings.csv"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


@pytest.mark.parametrize("row", spellings(), ids=lambda r: r["text"])
def test_spelling_table_verdicts(row: dict[str, str]) -> None:
    """Without a locale (as the web reads them, whatever its language) each spelling gets the
    table's verdict; with no habit an ambiguous one stays undecided, with one it is read so."""
    from chitieu.collect.numbers import resolve_typed

    text, verdict = row["text"], row["verdict"]
    if verdict == "value":
        assert parse_number(text).value == pytest.approx(float(row["value"]))
        assert resolve_typed({"x": text}).values["x"] == text
    elif verdict == "ambiguous":
        with pytest.raises(AmbiguousNumberError) as info:
            parse_number(text)
        readings = {"vi": float(row["vi"]), "en": float(row["en"])}
        assert info.value.readings == pytest.approx(readings)
        assert resolve_typed({"x": text}).ambiguous["x"] == pytest.approx(readings)
        for loc in ("vi", "en"):
            assert resolve_typed({"x": text}, habit=loc).values["x"] == readings[loc]
            assert resolve_typed({"x": text}, chosen=loc).decided == loc
    else:
        with pytest.raises(NumberFormatError) as bad:
            parse_number(text)
        assert not isinstance(bad.value, AmbiguousNumberError)


def test_a_post_decides_its_own_ambiguous_texts() -> None:
    from chitieu.collect.numbers import resolve_typed

    got = resolve_typed({"a": "62.345,6", "b": "45.405"}, habit="en")
    assert got.decided == "vi" and got.values == {"a": "62.345,6", "b": 45405.0}
    got = resolve_typed({"a": "8.66", "b": "45.405"})
    assert got.decided == "en" and got.values["b"] == 45.405
    mixed = resolve_typed({"a": "8.66", "b": "8,66", "c": "1.234"})
    assert mixed.decided is None and "c" in mixed.ambiguous
