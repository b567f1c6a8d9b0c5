"""The fast paths behave exactly like the general ones they shortcut."""

import subprocess
import sys
from collections import defaultdict
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from chitieu.analyze.recipes import recipe, within
from chitieu.catalog.periods import TimeRule, parse_period, periods_within, roll_up
from chitieu.collect.importer import RowChecker
from chitieu.collect.numbers import (
    _UNDECIDED,
    _quick_locale,
    detect_locale,
    parse_number,
    plain_decimal,
)
from chitieu.errors import NumberFormatError
from chitieu.store import values as store_values
from chitieu.store.values import NewValue, best_value
from oracle_facts import group_getter

one_mark = st.from_regex(r"-?[0-9]{1,15}[.,][0-9]{1,15}", fullmatch=True)
numberish = st.text(alphabet="0123456789.,- +−%", max_size=12)


@given(st.one_of(one_mark, numberish))
@settings(max_examples=400)
def test_quick_locale_agrees_with_parse_number(t):
    quick = _quick_locale(t)
    try:
        full = parse_number(t).locale
    except NumberFormatError as exc:
        # ambiguous texts are None in both; unreadable ones are left to parse_number
        assert quick == (None if getattr(exc, "ambiguous", False) else _UNDECIDED) or (
            quick == _UNDECIDED
        )
        return
    assert quick in (full, _UNDECIDED)


def test_detect_locale_stops_at_a_conflict_with_the_first_examples():
    with pytest.raises(NumberFormatError, match=r'"12,5".*"3.5"'):
        detect_locale(["1,234", "12,5", "7,25", "3.5", "not a number", "8.5"])
    assert detect_locale(["1,234", "12,5", "1.234.567"]) == "vi"
    assert detect_locale(["1,234"]) is None


@given(st.from_regex(r"-?[0-9]{1,15}([.,][0-9]{1,15})?", fullmatch=True), st.sampled_from(["vi", "en"]))  # fmt: skip  # noqa: E501
@settings(max_examples=400)
def test_plain_decimal_fast_path_reads_like_parse_number(t, locale):
    pattern = plain_decimal(locale)
    if pattern.match(t):
        assert float(t.replace(",", ".")) == parse_number(t, locale).value
        assert str(float(t.replace(",", "."))) == str(parse_number(t, locale).value)


ROWS = [
    {"indicator": "ICT_REVENUE", "unit": "80", "period": "2023S1", "value": "12345,5",
     "kind": "thực hiện"},
    {"indicator": "ict_revenue", "unit": 80, "period": "2026S1", "value": 7, "kind": "ước",
     "status": "chính thức", "comment": " ghi chú "},
    {"indicator": "ICT_LABOUR", "unit": "Toàn quốc", "period": "2023", "value": "1.512.144",
     "kind": "actual"},
    {"indicator": "ICT_LABOUR", "unit": "VN", "period": "2023", "value": "10,5", "kind": "a"},
    {"indicator": "ICT_REVENU", "unit": "VN", "period": "2023", "value": "1", "kind": "a"},
    {"indicator": "ICT_REVENUE", "unit": "Long An", "period": "2026S1", "value": "5",
     "kind": "a"},
    {"indicator": "ICT_REVENUE", "unit": "VN", "period": "2023", "value": "", "kind": "a"},
    {"indicator": "ICT_REVENUE", "unit": "VN", "period": "2023", "value": "1,234", "kind": "a"},
    {"indicator": "ICT_REVENUE", "unit": "VN", "period": "2023", "value": "x", "kind": "a"},
    {"indicator": "ICT_REVENUE", "unit": ["VN"], "period": "2023", "value": "1", "kind": "a"},
]  # fmt: skip


@pytest.mark.parametrize("locale", ["vi", "en", None])
def test_row_checker_fast_path_matches_the_full_check(locale):
    fast, full = RowChecker(locale=locale), RowChecker(locale=locale)
    for i, cells in enumerate(ROWS * 2):  # the second round hits the caches
        where = {"file": "f.csv", "row": i}
        assert fast.check(cells, where) == full._check(cells, where), cells


def _reference_getter(sources, pid):
    """The group getter as first written (every unit tested for taking part)."""
    spans = {u: [parse_period(k) for k in by_period] for u, by_period in sources.items()}
    q = parse_period(pid)
    active = [u for u, ps in spans.items() if any(q.contains(x) for x in ps)]
    if not active or any(pid not in sources[u] for u in active):
        return None
    return sum(sources[u][pid].value or 0.0 for u in active)


class _Obs:
    def __init__(self, value):
        self.value = value


PIDS = ["2023", "2023S1", "2023S2", "2023Q1", "2023Q2", "2023Q3", "202301", "202302",
        "202303", "202304", "202306", "202307", "202312", "2023YTD05"]  # fmt: skip


@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c"]),
        st.dictionaries(st.sampled_from(PIDS), st.floats(-1e6, 1e6) | st.none(), min_size=1),
        min_size=1,
    )
)
@settings(max_examples=300)
def test_group_getter_matches_reference(raw):
    sources = {u: {p: _Obs(v) for p, v in by.items()} for u, by in raw.items()}
    get = group_getter(sources)
    for pid in PIDS:
        assert get(pid) == _reference_getter(sources, pid)


def _values(n):
    out = []
    for i in range(n):
        inputs = {"from": ["2022S1"], "i": i} if i % 3 == 0 else None
        out.append(
            NewValue(
                "ICT_REVENUE",
                "VN",
                f"{2000 + i // 12}{i % 12 + 1:02d}",
                "estimate",
                float(i) if i % 7 else None,
                "final" if i % 2 else "provisional",
                comment=f"c{i}" if i % 5 == 0 else None,
                method="m" if inputs else None,
                inputs=inputs,
            )
        )
    return out


@pytest.mark.parametrize("n", [3, store_values.COPY_FROM + 5])
def test_write_stores_every_field_on_both_paths(store, n):
    at = datetime(2024, 5, 6, 7, 8, 9, 123456)
    vals = _values(n)
    info = store.write(vals, source="test", created_by="tester", filename="f.csv", at=at)
    assert info.rows == n and store.count() == n
    got = {}
    for v in vals:
        (h,) = store.history(v.indicator, v.unit, v.period)
        got[v.period] = h
        assert (h.kind, h.value, h.status, h.comment, h.method, h.inputs) == (
            v.kind, v.value, v.status, v.comment, v.method, v.inputs)  # fmt: skip
        assert (h.created_at, h.created_by, h.source, h.batch_id) == (
            at,
            "tester",
            "f.csv",
            info.id,
        )
    with store.engine.connect() as conn:
        nulls = conn.execute(text("SELECT count(*) FROM observation WHERE inputs IS NULL"))
        assert nulls.scalar() == 0  # no inputs is stored as JSON null, as insert() did


def test_copy_failure_is_an_sqlalchemy_error_and_writes_nothing(store):
    bad = [*_values(store_values.COPY_FROM), NewValue(None, "VN", "2023", "actual", 1.0)]  # type: ignore[arg-type]
    with pytest.raises(IntegrityError):
        store.write(bad, source="test", created_by="a")
    assert store.count() == 0 and store.batches() == []


def test_current_rows_equal_current(store):
    first = store.write(_values(40), source="t", created_by="a", at=datetime(2024, 1, 1))
    changed = [NewValue(v.indicator, v.unit, v.period, v.kind, (v.value or 0) + 1) for v in _values(20)]  # fmt: skip  # noqa: E501
    store.write(changed, source="t", created_by="a", at=datetime(2024, 2, 1))
    store.write([NewValue("ICT_REVENUE", "VN", "200001", "estimate", None)], source="t",
                created_by="a", at=datetime(2024, 3, 1))  # fmt: skip
    periods = {v.period for v in _values(40)}
    for as_of in (None, first.created_at, datetime(2024, 2, 15)):
        full = store.current(periods, as_of=as_of)
        light = store.current_rows(periods, as_of=as_of)
        key = defaultdict(list)
        for o in full:
            key["full"].append((o.period, o.indicator, o.unit, o.kind, o.id, o.value, o.status))
        assert sorted(key["full"]) == [tuple(r) for r in light]


def test_cli_boundary_choices_mirror_the_fact_table():
    from chitieu.analyze.facts import Boundaries
    from chitieu.cli.common import BoundariesChoice

    assert [b.value for b in BoundariesChoice] == [b.value for b in Boundaries]


def test_help_does_not_import_the_database_layer():
    mods = "chitieu.cli.common, chitieu.cli.catalog_cmds, chitieu.cli.data_cmds"
    code = f"import sys, {mods}; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


TARGETS = ["2023", "2023S1", "2023S2", "2023Q2", "2023YTD05", "2023YTD09", "202306"]


@given(
    st.sampled_from(TARGETS),
    st.sampled_from(list(TimeRule)),
    st.dictionaries(st.sampled_from(sorted({q for t in TARGETS for q in within(parse_period(t))})),
                    st.floats(-1e9, 1e9, allow_nan=False), max_size=20),
)  # fmt: skip
@settings(max_examples=400)
def test_recorded_roll_up_replays_roll_up_exactly(target, rule, values):
    p = parse_period(target)
    have = {k: v for k, v in values.items() if k in within(p)}
    expected = roll_up(have, p, rule)
    found = recipe(p, rule, frozenset(have))
    if expected is None:
        assert found is None
        return
    replay, leaves, sources = found
    got = replay([have[x] for x in leaves])
    assert (got, sources) == (expected.value, expected.sources)
    assert repr(got) == repr(expected.value)  # the same float, bit for bit


def test_current_slabs_best_values_match_best_value(store):
    vals = [
        NewValue("ICT_REVENUE", "VN", "2023S1", "estimate", 1.0),
        NewValue("ICT_REVENUE", "VN", "2023S1", "actual", 2.0),
        NewValue("ICT_REVENUE", "01@63", "202301", "estimate", 3.0),
        NewValue("ICT_REVENUE", "01@63", "2023", "plan", 9.0),
        NewValue("ICT_REVENUE", "VN", "2022S1", "actual", 4.0),
    ]
    store.write(vals, source="t", created_by="a")
    store.write([NewValue("ICT_REVENUE", "VN", "2022S1", "actual", 5.0)], source="t",
                created_by="a")  # fmt: skip
    best, plans = {}, {}
    for (_year, code), slab in store.slabs([(2023, "ICT_REVENUE"), (2022, "ICT_REVENUE")]).items():
        for (unit, period, kind), (value, _flags) in slab.values().items():
            k = (code, unit, period)
            if kind == "plan":
                plans[k] = value
            elif k not in best or (kind == "actual" and best[k].kind != "actual"):
                best[k] = NewValue(code, unit, period, kind, value)
    ids = {q.id for t in ("2023S1", "2022S1", "2023") for q in periods_within(parse_period(t))}
    expected = best_value(store.current(ids))
    assert {k: (o.kind, o.value) for k, o in best.items()} == {
        k: (o.kind, o.value) for k, o in expected.items()
    }
    assert plans == {("ICT_REVENUE", "01@63", "2023"): 9.0}


def test_libyaml_reads_the_shipped_data_like_the_python_parser():
    from importlib import resources

    import yaml

    for pkg, name in [("chitieu.catalog", "indicators.yaml"), ("chitieu.catalog", "periods.yaml"),
                      ("chitieu.check", "messages.yaml")]:  # fmt: skip
        text_ = (resources.files(pkg) / "data" / name).read_text(encoding="utf-8")
        fast = yaml.load(text_, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        assert fast == yaml.load(text_, Loader=yaml.SafeLoader)
