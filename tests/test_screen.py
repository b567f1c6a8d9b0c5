"""The column-wise outlier checks find exactly what checking each value alone finds."""

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chitieu.check.findings import Report
from chitieu.check.rules import rules
from chitieu.check.runner import _outliers
from chitieu.check.screen import history_keys, screen
from chitieu.store.rows import NewValue, Rows

UNITS = ["01@63", "79@63", "VN"]
PERIODS = [f"2022{m:02d}" for m in range(1, 13)] + [f"2023{m:02d}" for m in range(1, 7)]
PERIODS += ["2021S1", "2021S2", "2022S1", "2022S2", "2023S1", "2020", "2021", "2022", "2023"]
values = st.one_of(st.floats(1, 1e6), st.sampled_from([0.0, 100.0, 100.0, 1e6]))
stored = st.lists(
    st.tuples(st.sampled_from(["ICT_REVENUE", "ICT_LABOUR"]), st.sampled_from(UNITS),
              st.sampled_from(PERIODS), st.sampled_from(["actual", "estimate", "plan"]), values),
    max_size=60,
)  # fmt: skip


def _key(f):
    return (f.type, f.indicator, f.unit, f.period, str(f.value), f.params.get("z"),
            f.params.get("change"))  # fmt: skip


@settings(
    max_examples=int(__import__("os").environ.get("SCREEN_EXAMPLES", 60)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    old=stored,
    new=st.lists(
        st.tuples(
            st.sampled_from(["ICT_REVENUE", "ICT_LABOUR"]),
            st.sampled_from(UNITS),
            st.sampled_from(PERIODS),
            st.sampled_from(["actual", "estimate", "plan"]),
            values | st.none(),
        ),
        max_size=60,
    ),
)
def test_screen_finds_what_each_value_alone_finds(tmp_path_factory, old, new):
    from chitieu import open_store

    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('s') / 'x.db'}")
    if old:
        rows = {(i, u, p, k): NewValue(i, u, p, k, v) for i, u, p, k, v in old}
        store.write(rows.values(), source="t", created_by="t", at=datetime(2024, 1, 1))
    batch = list({(i, u, p, k): NewValue(i, u, p, k, v) for i, u, p, k, v in new}.values())
    rs = rules()
    new_vals = {v.key: v.value for v in batch if v.value is not None}
    expected = _outliers(new_vals.items(), store, rs, None, None, new_vals)
    report = Report()
    rows = Rows.of(batch)
    screen(rows, store.slabs(history_keys(rows, rs)), rs, report)
    assert [_key(f) for f in report.findings] == [_key(f) for f in expected]
    store.engine.dispose()


def test_beyond_the_cap_flagged_values_are_counted(store):
    many = [NewValue("ICT_REVENUE", "01@63", f"20{y:02d}", "actual", 10.0 ** (y % 5))
            for y in range(0, 30)]  # fmt: skip
    rs = rules()
    full, capped = Report(), Report(cap=3)
    rows = Rows.of(many)
    screen(rows, {}, rs, full)
    screen(rows, {}, rs, capped)
    assert capped.counts == full.counts and capped.warnings == full.warnings > 3
    assert len(capped.findings) == 3 and capped.dropped == full.warnings - 3
