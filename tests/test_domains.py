"""Bad numbers and impossible values (issue 11): NaN, infinities and booleans are not numbers,
every indicator has a domain, U+2212 is a minus, control characters stay out — on every path:
the number reader, the row checker (fast and full), the CSV and XLSX import (rows and
columns), ``collect.ingest`` for writers that make their values themselves, the estimates."""

from __future__ import annotations

import math
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from hypothesis import given
from hypothesis import strategies as st

from chitieu.analyze.estimate import estimate_period
from chitieu.catalog.indicators import SIGNED, Domain, catalog, load_catalog
from chitieu.catalog.units import registry
from chitieu.collect.columns import COLUMNS_FROM, check_columns
from chitieu.collect.importer import check_table, import_file
from chitieu.collect.ingest import Origin, ingest
from chitieu.collect.numbers import finite, parse_number
from chitieu.collect.reader import read_table
from chitieu.collect.rows import RowChecker, visible
from chitieu.errors import CatalogError, NumberFormatError
from chitieu.store.values import NewValue, Store

# --- the catalog ---------------------------------------------------------------------------

DOMAINS = {
    "ICT_REVENUE": (0, None), "ICT_BUDGET": (0, None), "ICT_GDP": (0, None),
    "ICT_LABOUR": (0, None), "TEL_REVENUE": (0, None), "IT_REVENUE": (0, None),
    "POST_REVENUE": (0, None), "PPD_REVENUE": (0, None), "PRESS_REVENUE": (0, None),
    "PUB_PUBLISHERS": (0, None), "PUB_TITLES": (0, None), "PUB_COPIES": (0, None),
    "PUB_EPUBS": (0, None), "PUB_REVENUE": (0, None), "PUB_COPIES_PER_CAPITA": (0, None),
    "PUB_EPUB_SHARE": (0, 100), "POPULATION": (1, None),
}  # fmt: skip

COMMON = """
    name: {vi: "Chỉ tiêu thử", en: "A test indicator"}
    measure: phan_tram
    value_type: number
    decimals: 1
    units_rule: sum
    time_rule: sum
    direction: neutral
    group: ict
    templates: {vi: "a", en: "b"}"""


def test_every_shipped_indicator_has_its_domain():
    cat = catalog()
    assert {i.code: i.domain.bounds for i in cat} == DOMAINS
    assert cat.describe(cat.get("PUB_EPUB_SHARE"))["domain"] == {"min": 0, "max": 100}
    assert cat.get("PUB_TITLES").domain.describe("vi") == "từ 0 trở lên"
    assert cat.get("PUB_EPUB_SHARE").domain.describe("en") == "from 0 to 100"


def test_a_catalog_without_a_domain_names_the_indicator(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(f"indicators:\n  - code: MY_RATE{COMMON}\n", encoding="utf-8")
    with pytest.raises(CatalogError) as exc:
        load_catalog([f])
    assert "mine.yaml indicator #1 (MY_RATE): missing field domain" in exc.value.message


@pytest.mark.parametrize(
    ("domain", "needle"),
    [
        ('{min: "zero"}', "domain min must be a finite number"),
        ("{min: .nan}", "domain min must be a finite number"),
        ("{max: true}", "domain max must be a finite number"),
        ("{min: 5, max: 1}", "domain min 5 is above its max 1"),
        ("{low: 0}", "domain has unknown key(s) low"),
        ("{}", "domain needs {min: 0}"),
        ("{min: null}", "write signed for any number"),
        ("positive", "domain needs {min: 0}"),
    ],
)
def test_a_bad_domain_is_a_catalog_error(tmp_path, domain, needle):
    f = tmp_path / "mine.yaml"
    f.write_text(f"indicators:\n  - code: MY_RATE{COMMON}\n    domain: {domain}\n", "utf-8")
    with pytest.raises(CatalogError) as exc:
        load_catalog([f])
    assert "(MY_RATE)" in exc.value.message and needle in exc.value.message


def test_a_signed_indicator_takes_negative_values(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(f"indicators:\n  - code: MY_GROWTH{COMMON}\n    domain: signed\n", "utf-8")
    cat = load_catalog([f])
    assert cat.get("MY_GROWTH").domain == SIGNED and SIGNED.signed
    checker = RowChecker(cat=cat)
    cells = {"indicator": "MY_GROWTH", "unit": "VN", "period": "2023", "kind": "actual"}
    assert checker.check({**cells, "value": "−7,2"}, {}).value == -7.2
    assert checker.check({**cells, "value": "-12"}, {}).value == -12
    assert not isinstance(checker.check({**cells, "value": math.nan}, {}), NewValue)


def test_domain_membership():
    d = Domain(0, 100)
    assert 0 in d and 100 in d and 55.5 in d
    assert -0.001 not in d and 100.01 not in d and math.nan not in d and True not in d
    assert math.inf not in SIGNED and -1e300 in SIGNED


# --- the number reader ---------------------------------------------------------------------

NON_FINITE_TEXTS = st.tuples(
    st.sampled_from(["", "-", "+", "−", " ", "- "]),
    st.sampled_from(["nan", "NaN", "NAN", "inf", "Inf", "INF", "infinity", "Infinity", "∞"]),
    st.sampled_from(["", "%", " "]),
).map("".join)
NON_FINITE = st.one_of(
    st.booleans(),
    st.sampled_from([math.nan, math.inf, -math.inf, -math.nan]),
    st.integers(min_value=2**1024, max_value=2**1200),
    st.integers(min_value=-(2**1200), max_value=-(2**1024)),
    st.sampled_from([Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN"), Decimal("1e400")]),
    NON_FINITE_TEXTS,
)


@given(NON_FINITE, st.sampled_from(["vi", "en", None]))
def test_anything_not_finite_or_boolean_is_refused(value, locale):
    with pytest.raises(NumberFormatError):
        parse_number(value, locale)
    cells = {"indicator": "ICT_REVENUE", "unit": "VN", "period": "2023", "kind": "actual"}
    got = RowChecker(locale=locale).check({**cells, "value": value}, {"row": 2})
    assert isinstance(got, list)
    (f,) = got
    assert f.type in ("non-finite-number", "boolean-value") and f.column == "value"
    assert f.row == 2 and isinstance(f.value, str) and len(f.value) < 30  # JSON can carry it


def _written(x: float, locale: str, grouped: bool) -> str:
    """Every digit of a float, with the locale's (Babel's) group and decimal symbols."""
    plain = f"{Decimal(repr(x)).normalize():f}"
    sign, plain = ("-", plain[1:]) if plain.startswith("-") else ("", plain)
    integer, _, frac = plain.partition(".")
    if grouped:
        integer = f"{int(integer):,}".replace(",", get_group_symbol(locale))
    return sign + integer + (get_decimal_symbol(locale) + frac if frac else "")


@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["vi", "en"]),
    st.booleans(),
    st.booleans(),
)
def test_any_finite_float_written_in_vi_or_en_reads_back(x, locale, grouped, u2212):
    text = _written(x, locale, grouped)
    if abs(x) < 1e15:  # as Babel writes it (beyond, its quantizing runs out of precision)
        babel = format_decimal(
            Decimal(repr(x)), locale=locale, decimal_quantization=False, group_separator=grouped
        )
        assert text == babel.replace("\u2212", "-")
    if u2212:
        text = text.replace("-", "\u2212")
    if len(text) > 100:  # the reader's limit on a cell (1e300 written out, 5e-324)
        with pytest.raises(NumberFormatError, match="too long"):
            parse_number(text, locale)
        return
    assert parse_number(text, locale).value == x
    assert finite(x) == x


def test_a_number_of_more_than_28_digits_is_read_not_a_traceback():
    # Babel checks a grouped number in the decimal context (28 digits): InvalidOperation leaked
    assert parse_number("10.000.000.000.000.000.000.000.000.000").value == 1e28
    assert parse_number("1,234,567,890,123,456,789,012,345,678.5", "en").value == pytest.approx(
        1.2345678901234568e27
    )
    with pytest.raises(NumberFormatError):  # and a bad one of that length gets its hint
        parse_number("1.0000.000.000.000.000.000.000.000", "vi")


def test_u2212_is_a_minus_and_a_negative_count_is_out_of_its_domain():
    assert parse_number("\u22125").value == -5
    assert parse_number("\u22121.614.206,5", "vi").value == -1614206.5
    with pytest.raises(NumberFormatError):
        parse_number("\u20135")  # an en dash is not a minus sign
    checker = RowChecker()
    cells = {"indicator": "PUB_TITLES", "unit": "VN", "period": "2023", "kind": "actual"}
    (f,) = checker.check({**cells, "value": "\u22125"}, {"row": 7})
    assert (f.type, f.row, f.column, f.value, f.indicator) == (
        "out-of-domain", 7, "value", "\u22125", "PUB_TITLES",
    )  # fmt: skip
    assert "từ 0 trở lên" in f.message("vi") and "0 or more" in f.message("en")
    assert f.hint("vi") and f.hint("en")


def test_values_on_the_bounds_are_accepted():
    checker = RowChecker()
    cells = {"unit": "VN", "period": "2023", "kind": "actual"}
    assert checker.check({**cells, "indicator": "ICT_REVENUE", "value": "0"}, {}).value == 0
    assert checker.check({**cells, "indicator": "POPULATION", "value": 1}, {}).value == 1
    (f,) = checker.check({**cells, "indicator": "POPULATION", "value": 0}, {})
    assert f.type == "out-of-domain"


# --- the row checker: its fast path agrees with the full check -----------------------------

_BASE = {"indicator": "PUB_TITLES", "unit": "VN", "period": "2023", "value": "5", "kind": "a"}
HOSTILE = [
    {"value": math.nan}, {"value": math.inf}, {"value": -math.inf}, {"value": True},
    {"value": False}, {"value": 10**400}, {"value": "nan"}, {"value": "1e309"},
    {"value": "-5"}, {"value": "\u22125"}, {"value": -5}, {"value": -0.5}, {"value": 0},
    {"comment": "a\x00b"}, {"comment": "a\ud800"}, {"comment": "esc\x1b[31m"},
    {"comment": "two\nlines\tand a tab"}, {"indicator": "PUB_\x00TITLES"},
    {"unit": "VN\x00"}, {"period": "2023\x1f"}, {"kind": "act\x1fual"}, {"kind": "a\x00"},
    {"status": "final\x0b"}, {"value": "5\x00"},
]  # fmt: skip


@pytest.mark.parametrize("locale", ["vi", "en", None])
def test_fast_path_and_full_check_agree_on_hostile_cells(locale):
    fast, full = RowChecker(locale=locale), RowChecker(locale=locale)
    for i, change in enumerate(HOSTILE * 2):  # the second round hits the caches
        cells, where = {**_BASE, **change}, {"file": "f.csv", "row": i}
        assert fast.check(cells, where) == full._check(cells, where), change


def test_forbidden_characters_are_named_and_shown_safely():
    cells = {**_BASE, "comment": "a\x00b\ud800", "unit": "VN\x1b"}
    got = RowChecker().check(cells, {"row": 3})
    assert [(f.type, f.column, f.value) for f in got] == [
        ("bad-text", "unit", "VN<U+001B>"),
        ("bad-text", "comment", "a<U+0000>b<U+D800>"),
    ]
    assert "U+0000, U+D800" in got[1].message("en") and got[1].hint("vi")
    assert visible("x" * 100).endswith("…")


# --- the import: rows, columns, XLSX -------------------------------------------------------

BAD_CSV = """indicator,unit,period,value,kind,comment
ICT_REVENUE,VN,2023S1,nan,actual,
ICT_REVENUE,VN,2023S2,inf,actual,
ICT_REVENUE,VN,2023,1e309,actual,
PUB_TITLES,VN,2023,-5,actual,
PUB_PUBLISHERS,VN,2023,−5,actual,
TEL_REVENUE,VN,2023,−12,actual,
ICT_REVENUE,VN,2022,-5,actual,
ICT_BUDGET,VN,2023,5,actual,"a\x00b"
ICT_GDP,VN,2023,5,actual,"esc\x1b"
POPULATION,VN,2023,0,actual,
"""


def test_csv_import_refuses_bad_numbers_domains_and_characters(tmp_path, store):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    res = import_file(path, store, created_by="t", locale="vi")
    got = sorted((f.row, f.column, f.type) for f in res.report.findings)
    assert got == [
        (2, "value", "non-finite-number"),
        (3, "value", "non-finite-number"),
        (4, "value", "bad-number"),
        (5, "value", "out-of-domain"),
        (6, "value", "out-of-domain"),
        (7, "value", "out-of-domain"),
        (8, "value", "out-of-domain"),  # the rule ict-revenue-non-negative does not repeat it
        (9, "comment", "bad-text"),
        (10, "comment", "bad-text"),
        (11, "value", "out-of-domain"),  # nor population-positive
    ]
    assert all(
        f.file == "bad.csv" and f.message("vi") and f.hint("en") for f in res.report.findings
    )
    assert res.written == 0 and store.count() == 0


def got_findings(res):
    return res.report.findings


def _xlsx_with_raw_values(path: Path, cells: dict[str, bytes]) -> None:
    """A workbook whose numeric cells hold raw text Excel would not write (NaN, 1e309)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Số liệu"
    ws.append(["indicator", "unit", "period", "value", "kind"])
    for i, code in enumerate(["ICT_REVENUE", "TEL_REVENUE", "IT_REVENUE", "POST_REVENUE"]):
        ws.append([code, "VN", "2023", 1000 + i, "actual"])
    ws["D5"] = True  # a boolean cell
    plain = path.with_suffix(".plain.xlsx")
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                for number, raw in cells.items():
                    data = data.replace(f"<v>{number}</v>".encode(), b"<v>" + raw + b"</v>")
            out.writestr(item, data)


def test_xlsx_numeric_nan_infinity_and_boolean_cells_are_refused(tmp_path, store):
    path = tmp_path / "bad.xlsx"
    _xlsx_with_raw_values(path, {"1000": b"NaN", "1001": b"1e309", "1002": b"-7"})
    assert read_table(path).rows[0][1][3] != read_table(path).rows[0][1][3]  # calamine: nan
    res = import_file(path, store, created_by="t")
    got = sorted((f.sheet, f.row, f.column, f.type) for f in res.report.findings)
    assert got == [
        ("Số liệu", 2, "value", "non-finite-number"),
        ("Số liệu", 3, "value", "non-finite-number"),
        ("Số liệu", 4, "value", "out-of-domain"),
        ("Số liệu", 5, "value", "boolean-value"),
    ]
    values = {f.row: f.value for f in res.report.findings}
    assert values[2] == "NaN" and values[3] == "Infinity" and values[5] == "true"
    assert res.written == 0 and store.count() == 0


def _big_csv(path: Path, last: str) -> int:
    """A plainly good CSV over COLUMNS_FROM bytes whose last row is ``last``; its row number."""
    lines = ["indicator,unit,period,value,kind,comment"]
    periods = [f"{y}{m:02d}" for y in range(2012, 2024) for m in range(1, 13)]
    units = [u.id for u in registry().units(date(2015, 1, 1)) if u.level == 1]
    size = 0
    for u in units:
        for code in ("ICT_REVENUE", "TEL_REVENUE", "PUB_TITLES", "POPULATION"):
            for p in periods:
                lines.append(f"{code},{u},{p},{len(lines) % 997 + 1},actual,")
                size += len(lines[-1]) + 1
        if size > COLUMNS_FROM:
            break
    lines.append(last)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size >= COLUMNS_FROM
    return len(lines)


def test_the_column_path_takes_only_plainly_good_files_and_the_rows_tell_why(tmp_path, store):
    path = tmp_path / "big.csv"
    _big_csv(path, "PUB_TITLES,VN,2023,0,actual,ok")
    got = check_columns(path)
    assert got is not None  # a good file stays on the vectorised path
    rows = got[0]
    table = check_table(read_table(path))
    assert rows.value == [v.value for v in table.values]  # both paths read the same values
    for last, column, type_ in [
        ("PUB_TITLES,VN,2023,-5,actual,", "value", "out-of-domain"),
        ("POPULATION,VN,2023,0,actual,", "value", "out-of-domain"),
        ("PUB_TITLES,VN,2023,5,actual,a\x00b", "comment", "bad-text"),
        ("PUB_TITLES,VN,2023,inf,actual,", "value", "non-finite-number"),
        ("PUB_TITLES,VN\x01,2023,5,actual,", "unit", "bad-text"),
    ]:
        row = _big_csv(path, last)
        assert check_columns(path) is None, last
        res = import_file(path, store, created_by="t")
        errors = [(f.row, f.column, f.type) for f in res.report.findings if f.severity == "error"]
        assert errors == [(row, column, type_)]
        assert res.written == 0 and store.count() == 0


# --- the one door: writers that make their values themselves; estimates --------------------


def test_ingest_refuses_non_finite_and_out_of_domain_values(store):
    origin = Origin("script", "import")
    cases = [
        (NewValue("PUB_TITLES", "VN", "2023", "actual", -5.0), "out-of-domain", "-5"),
        (NewValue("ICT_REVENUE", "VN", "2023", "actual", -5.0), "out-of-domain", "-5"),
        (NewValue("ICT_REVENUE", "VN", "2023", "actual", math.nan), "non-finite-number", "NaN"),
        (NewValue("ICT_REVENUE", "VN", "2023", "plan", -math.inf), "non-finite-number",
         "-Infinity"),
        (NewValue("POPULATION", "VN", "2023", "actual", 10**400), "non-finite-number", "~1e400"),
    ]  # fmt: skip
    places = {("PUB_TITLES", "VN", "2023", "actual"): {"file": "x.csv", "row": 9}}
    for value, type_, shown in cases:
        got = ingest(store, [value], origin, places=places)
        (f,) = got.report.findings  # the sign rule of ICT_REVENUE does not say it again
        assert (f.type, f.value, f.indicator, f.unit, f.period, f.column) == (
            type_, shown, value.indicator, "VN", "2023", "value",
        )  # fmt: skip
        assert got.written == 0
    assert got.report.findings[0].row is None
    first = ingest(store, [cases[0][0]], origin, places=places).report.findings[0]
    assert (first.file, first.row) == ("x.csv", 9)
    assert store.count() == 0
    # a deletion (None) is not a bad number
    ok = [NewValue("PUB_TITLES", "VN", "2023", "actual", 5.0)]
    assert ingest(store, ok, origin).written == 1
    gone = ingest(store, [NewValue("PUB_TITLES", "VN", "2023", "actual", None)], origin)
    assert gone.report.valid and gone.written == 1


def test_an_estimate_outside_the_domain_is_skipped_not_written(store: Store):
    # a negative figure stored before domains existed (written past the door)
    store.write([NewValue("ICT_REVENUE", "VN", "2022S1", "actual", -600.0)], source="t",
                created_by="t")  # fmt: skip
    run = estimate_period(store, "2023S1", methods=["carry_forward"],
                          indicators=["ICT_REVENUE"], units=["VN"])  # fmt: skip
    assert run.estimates == []
    (s,) = run.skipped
    assert "outside the domain (0 or more)" in s.reason
