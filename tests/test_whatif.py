"""What if (issue 22, item 4): the facts, the national figures and the report's sentences as if
hypothetical values were stored — nothing written — on SQLite and PostgreSQL.

The demo tells H1/2023 as it happened: 62 provinces sent their estimates on 20 June, An Giang
(89@63) was late, the ministry estimated it on 25 June (ratio of means over the 62) and An
Giang's own figures came on 28 June. As of 21 June the national revenue is the 62's sum
(1.597.270 tỷ đồng, "62/63"); a what-if fills An Giang in."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import inspect, text
from tests.conftest import BACKENDS, backend_url
from typer.testing import CliRunner

from chitieu import open_store
from chitieu.analyze.facts import facts
from chitieu.analyze.scenarios import asked, last_year_share, ministry_estimate
from chitieu.analyze.whatif import Hypothesis, WhatIfError, facts_with
from chitieu.errors import UnitError, UnknownCode
from chitieu.report.whatif import what_if
from chitieu.store.values import NewValue

LATE = "89@63"  # An Giang before the merger
P = "2023S1"
BEFORE_ESTIMATE = datetime(2023, 6, 21)  # 62/63: An Giang missing
#: an hour either side of the ministry's estimate of An Giang (25 June, 02:00 UTC)
JUST_BEFORE, JUST_AFTER = datetime(2023, 6, 25, 1), datetime(2023, 6, 25, 3)
HEADLINE = ("ICT_REVENUE", "ICT_BUDGET", "ICT_GDP", "ICT_LABOUR")
#: what a fact states, besides its coverage (which names the hypothetical units)
STATED = ("value", "kind", "previous", "change_pct", "plan_pct", "share_pct", "rank", "rank_of")


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo store, once per backend and module (read only)."""
    from chitieu.demo.build import load_demo

    with backend_url(request, tmp_path_factory, "whatif") as url:
        store = open_store(url)
        load_demo(store)
        yield store
        store.engine.dispose()


def snapshot(store: Any) -> tuple[Any, ...]:
    """Every table's row count and a digest of its rows, and the data version."""
    out = {}
    with store.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            rows = sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{table}"')))
            out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return store.data_version(), out


def test_a_late_unit_filled_in_changes_the_national_total_and_writes_nothing(demo):
    # the figures a plain read keeps (cube slabs of the systems read) are kept before the
    # snapshot: what follows must leave every table as it is
    for b in ("current", "as_reported"):
        facts(demo, P, b, BEFORE_ESTIMATE)
        facts(demo, P, b)
    then = snapshot(demo)
    before = facts(demo, P, as_of=BEFORE_ESTIMATE).get("ICT_REVENUE", "VN")
    assert before.value == 1_597_270 and before.coverage.text() == "62/63"
    assert not before.coverage.complete and "change_pct" in before.withheld

    hyp = [Hypothesis("ICT_REVENUE", LATE, 18_817.0)]
    after_set = facts_with(demo, P, hyp, as_of=BEFORE_ESTIMATE)
    after = after_set.get("ICT_REVENUE", "VN")
    assert after.value == 1_597_270 + 18_817 == 1_616_087
    assert after.kind == "estimate" and after.change_pct == -8.55 and not after.withheld
    assert after.coverage.text() == "62/63 + 1 giả định"
    assert after.coverage.text("en") == "62/63 + 1 hypothetical"
    assert after.coverage.to_dict() == {
        "expected": 63, "reported": 62, "estimated": 0, "missing": [], "complete": True,
        "own": False, "hypothetical": 1, "hypothetical_units": [LATE],
    }  # fmt: skip
    assert after.extra["hypothetical"] == [LATE]
    province = after_set.get("ICT_REVENUE", "91@34")  # today's An Giang: An Giang + Kiên Giang
    assert province.coverage.text() == "1/2 + 1 giả định" and province.rank is not None
    # an indicator not hypothesised is as it was, unmarked
    budget = after_set.get("ICT_BUDGET", "VN")
    assert budget.value == 44_929 and "hypothetical" not in budget.extra
    assert budget.coverage.hyp == frozenset()

    what_if(demo, P, last_year_share(demo, P, "An Giang", as_of=BEFORE_ESTIMATE), "en",
            as_of=BEFORE_ESTIMATE)  # fmt: skip
    what_if(demo, P, ministry_estimate(demo, P, "An Giang"), "vi")
    assert snapshot(demo) == then  # no row written, changed or deleted; the same data version
    # and a plain read afterwards is the store's, not the what-if's (nothing kept in the cache)
    assert facts(demo, P, as_of=BEFORE_ESTIMATE).get("ICT_REVENUE", "VN").value == 1_597_270
    assert facts(demo, P).get("ICT_REVENUE", "VN").value == 1_614_206


def test_the_ministry_estimate_laid_over_reproduces_the_figures_of_its_day(demo):
    """The overlay against the stored path: the ministry's estimate of An Giang laid over the
    store of an hour before it gives every figure the store gave once it was stored."""
    hyps = ministry_estimate(demo, P, "An Giang")  # the newest, though superseded since
    assert [h.indicator for h in hyps] == list(HEADLINE)
    assert hyps[0].value == 18_817 and hyps[0].basis["method"] == "ratio_of_means"
    after = facts_with(demo, P, hyps, as_of=JUST_BEFORE)
    stored = facts(demo, P, as_of=JUST_AFTER)
    assert len(after) == len(stored)
    marked = 0
    for f in stored:
        g = after.get(f.indicator, f.unit)
        assert [getattr(g, k) for k in STATED] == [getattr(f, k) for k in STATED], f
        if f.coverage is not None and LATE in f.coverage.est:  # estimated then, hypothetical now
            assert g.coverage.hyp == {LATE} and g.coverage.estimated == 0
            assert g.coverage.covered == f.coverage.covered
            marked += 1
    assert marked == 2 * len(HEADLINE)  # the nation and today's An Giang, of each


def test_a_hypothesis_equal_to_the_stored_value_changes_no_figure(demo):
    """A hypothesis takes the place of the unit's stored figure (here its own estimate of 28
    June): laid over with the same value, every figure stays as stored."""
    stored = facts(demo, P)
    own = facts(demo, P, "as_reported").get("ICT_REVENUE", LATE).value
    after = facts_with(demo, P, [Hypothesis("ICT_REVENUE", LATE, own)])
    for f in stored:
        g = after.get(f.indicator, f.unit)
        assert [getattr(g, k) for k in STATED if k != "kind"] == [
            getattr(f, k) for k in STATED if k != "kind"
        ], f
    assert after.get("ICT_REVENUE", "VN").coverage.text() == "62/63 + 1 giả định"
    doubled = facts_with(demo, P, [Hypothesis("ICT_REVENUE", LATE, 2 * own)])
    assert doubled.get("ICT_REVENUE", "VN").value == 1_614_206 + own


def test_last_year_share_keeps_the_units_share_among_the_same_units(demo):
    got = facts(demo, P, "as_reported", BEFORE_ESTIMATE)
    mine = got.get("ICT_REVENUE", LATE)
    assert mine.value is None and mine.previous == 20_577
    others = [f for f in got.of_indicator("ICT_REVENUE") if f.unit not in ("VN", LATE)]
    now, last = sum(f.value for f in others), sum(f.previous for f in others)
    assert (len(others), now, last) == (62, 1_597_270, 1_746_673)
    (h,) = last_year_share(demo, P, "An Giang", ["ICT_REVENUE"], as_of=BEFORE_ESTIMATE)
    share = 20_577 / (20_577 + last)
    assert h.value == round(share / (1 - share) * now) == round(20_577 * now / last) == 18_817
    assert h.basis == {
        "period_last_year": "2022S1", "unit_last_year": 20_577.0, "others_last_year": last,
        "others_this_year": now, "others": 62, "share_last_year_pct": round(share * 100, 4),
    }  # fmt: skip
    # without indicators: every additive indicator An Giang lacks on 21 June
    every = last_year_share(demo, P, LATE, as_of=BEFORE_ESTIMATE)
    assert [x.indicator for x in every] == list(HEADLINE)
    assert all(x.value == int(x.value) for x in every)  # rounded to the indicators' decimals


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda s: facts_with(s, P, []), "whatif-none"),
        (lambda s: facts_with(s, P, [Hypothesis("PUB_EPUB_SHARE", LATE, 3.0)]), "whatif-derived"),
        (lambda s: facts_with(s, P, [Hypothesis("ICT_REVENUE", LATE, -1.0)]), "whatif-value"),
        (lambda s: facts_with(s, P, [Hypothesis("POPULATION", LATE, 2e12)]), "whatif-value-large"),
        (
            lambda s: facts_with(s, P, [Hypothesis("ICT_REVENUE", LATE, float("inf"))]),
            "whatif-value",
        ),
        (
            lambda s: facts_with(s, P, [Hypothesis("ICT_REVENUE", "91@34", 1.0)]),
            "whatif-not-reporter",
        ),
        (
            lambda s: facts_with(s, P, [Hypothesis("ICT_REVENUE", LATE, 1.0)] * 2),
            "whatif-duplicate",
        ),
        (lambda s: last_year_share(s, P, LATE), "whatif-nothing"),  # reported since 28 June
        (lambda s: last_year_share(s, P, LATE, ["PUB_COPIES_PER_CAPITA"]), "whatif-derived"),
        (lambda s: ministry_estimate(s, P, LATE, as_of=BEFORE_ESTIMATE), "whatif-no-estimates"),
        (lambda s: ministry_estimate(s, P, "01@63", ["ICT_REVENUE"]), "whatif-no-estimate"),
        (
            lambda s: asked(s, P, units=[LATE], indicators=["ICT_REVENUE"], values=["1.234"]),
            "whatif-value-unreadable",
        ),
        (lambda s: asked(s, P, units=[LATE], indicators=["ICT_REVENUE"]), "whatif-incomplete"),
        (lambda s: asked(s, P, units=[LATE], scenario_name="guess"), "whatif-scenario"),
        (
            lambda s: asked(s, P, units=[LATE] * 201, indicators=["X"] * 201, values=["1"] * 201),
            "whatif-too-many",
        ),
    ],
)
def test_what_cannot_be_hypothesised_is_said_in_both_languages(demo, call, code):
    with pytest.raises(WhatIfError) as err:
        call(demo)
    assert err.value.code == code and err.value.exit_code == 2 and err.value.http_status == 422
    (vi, _), (en, _) = err.value.text("vi"), err.value.text("en")
    assert vi and en and vi != en


def test_unknown_units_and_indicators_name_the_closest(demo):
    with pytest.raises(UnknownCode) as err:
        asked(demo, P, units=["An Giang"], indicators=["ICT_REVENU"], values=["5"])
    assert "ICT_REVENUE" in err.value.text("vi")[1] and err.value.exit_code == 2
    with pytest.raises(UnitError) as merged:  # today's An Giang did not report 2023
        asked(demo, P, units=["91@34"], indicators=["ICT_REVENUE"], values=["5"])
    assert "89@63" in merged.value.text("en")[1]


def test_the_headline_sentences_change_and_say_they_are_hypothetical(demo):
    hyps = asked(demo, P, units=["An Giang"], indicators=["ICT_REVENUE"], values=["18817"])
    vi = what_if(demo, P, hyps, "vi", as_of=BEFORE_ESTIMATE)
    first = vi.sentences[0]
    assert first.indicator == "ICT_REVENUE" and first.changed
    assert first.before == (
        "Trong 6 tháng đầu năm 2023, doanh thu toàn ngành TT&TT ước đạt 1.597.270 tỷ đồng (số "
        "liệu của 62/63 tỉnh, thành phố đã báo cáo), chưa so sánh với cùng kỳ năm 2022 do số "
        "liệu hai kỳ không cùng phạm vi địa giới."
    )
    assert first.after == (
        "[Giả định] Trong 6 tháng đầu năm 2023, doanh thu toàn ngành TT&TT ước đạt 1.616.087 tỷ "
        "đồng (số liệu của 62/63 tỉnh, thành phố đã báo cáo và 1 tỉnh, thành phố theo giả "
        "định), giảm 8,55% so với cùng kỳ năm 2022, đạt 39,65% so với kế hoạch năm 2023."
    )
    assert [s.changed for s in vi.sentences[1:]] == [False] * 3  # not hypothesised
    assert vi.changed() == ["ICT_REVENUE"]
    assert vi.stated == ("Giả định An Giang: doanh thu toàn ngành TT&TT là 18.817 tỷ đồng "
                         "(giá trị nhập vào)",)  # fmt: skip
    en = what_if(demo, P, hyps, "en", as_of=BEFORE_ESTIMATE)
    assert en.sentences[0].after.startswith(
        "[Hypothetical] In H1 2023, ICT sector revenue is estimated at 1,616,087 billion VND "
        "(62 of 63 provinces and cities reporting and 1 hypothetical), down 8.55% year on year"
    )
    d = en.to_dict()
    assert set(d) >= {"before", "after", "sentences", "hypotheses", "changed"}
    assert d["before"][0]["value"] == 1_597_270 and d["after"][0]["value"] == 1_616_087
    assert d["after"][0]["coverage"]["hypothetical"] == 1 and d["after"][0]["name"]
    assert d["hypotheses"][0]["source"] == "given" and d["hypotheses"][0]["text"]
    json.dumps(d, ensure_ascii=False)  # JSON-ready as it is


def test_the_scenarios_in_words(demo):
    share = what_if(demo, P, last_year_share(demo, P, LATE, as_of=BEFORE_ESTIMATE), "vi",
                    as_of=BEFORE_ESTIMATE)  # fmt: skip
    assert share.stated[0] == (
        "Giả định An Giang: doanh thu toàn ngành TT&TT là 18.817 tỷ đồng (giữ tỷ trọng 1,16% "
        "của cả nước như cùng kỳ năm 2022)"
    )
    assert all(s.changed and s.after.startswith("[Giả định] ") for s in share.sentences)
    est = what_if(demo, P, ministry_estimate(demo, P, LATE), "en")
    assert est.stated[0].endswith("(the ministry's estimate of 25 June 2023, 09:00 (Vietnam time))")


def test_a_hypothesis_names_its_unit_in_the_language_of_the_text():
    from chitieu.catalog.indicators import catalog
    from chitieu.catalog.periods import parse_period
    from chitieu.report.whatif import hypothesis_text

    h = Hypothesis("ICT_REVENUE", "79@63", 1000.0)
    en = hypothesis_text(h, parse_period(P), "en", catalog())
    vi = hypothesis_text(h, parse_period(P), "vi", catalog())
    assert en.startswith("Hypothesis for Ho Chi Minh City: ") and "Hồ Chí Minh" not in en
    assert vi.startswith("Giả định Hồ Chí Minh: ")


def test_the_ministry_estimates_time_carries_its_offset(demo):
    (h, *_) = ministry_estimate(demo, P, LATE, ["ICT_REVENUE"])
    at = h.to_dict()["basis"]["recorded_at"]
    assert at == "2023-06-25T09:00:00+07:00"  # 02:00 UTC, stated in Vietnam time
    assert datetime.fromisoformat(at).utcoffset() is not None


# --- the command line ------------------------------------------------------------------------


def _cli(demo: Any, *args: str, period: str = P) -> Any:
    from chitieu.cli.main import app

    url = demo.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(app, ["whatif", "-p", period, *args, "--db", url])


def test_cli_whatif_prints_the_figures_before_and_after_and_the_changed_sentences(demo):
    then = snapshot(demo)
    res = _cli(demo, "--as-of", "2023-06-21", "-u", "An Giang", "-i", "ICT_REVENUE",
               "--value", "18817")  # fmt: skip
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "Giả định — 6 tháng đầu năm 2023" in out
    assert "1.597.270 ước │ 1.616.087 ước" in out and "62/63 → 62/63 + 1 giả định" in out
    assert "- Trong 6 tháng đầu năm 2023, doanh thu toàn ngành TT&TT ước đạt 1.597.270" in out
    assert "+ [Giả định] Trong 6 tháng đầu năm 2023" in out and "1.616.087 tỷ đồng" in out
    assert "không ghi gì vào kho dữ liệu" in out
    en = _cli(demo, "--as-of", "2023-06-21", "--scenario", "last-year-share", "-u", "89@63",
              "--lang", "en", "--json")  # fmt: skip
    assert en.exit_code == 0, en.output
    got = json.loads(en.output)
    assert got["ok"] and got["changed"] == list(HEADLINE) and got["lang"] == "en"
    assert got["hypotheses"][0]["value"] == 18_817
    assert got["sentences"][0]["after"].startswith("[Hypothetical] In H1 2023")
    assert snapshot(demo) == then


def test_the_chitieu_program_runs_a_whatif(demo):
    """End to end: the installed ``chitieu`` program in a process of its own."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("chitieu", path=str(Path(sys.executable).parent)) or "chitieu"
    url = demo.engine.url.render_as_string(hide_password=False)
    args = [exe, "whatif", "-p", P, "--as-of", "2023-06-21", "--scenario", "last-year-share",
            "-u", "An Giang", "--json", "--db", url]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["after"][0]["value"] == 1_616_087 and got["before"][0]["value"] == 1_597_270
    bad = subprocess.run([*args[:-3], "--lang", "en", "--db", url], capture_output=True,
                         text=True, timeout=120, check=False)  # fmt: skip
    assert bad.returncode == 0  # the same without --json: the table
    assert "1,616,087" in bad.stdout and "62/63 + 1 hypothetical" in bad.stdout
    unknown = subprocess.run([exe, "whatif", "-p", P, "-u", "An Giang", "-i", "ICT_REVENU",
                              "--value", "1", "--db", url], capture_output=True, text=True,
                             timeout=120, check=False)  # fmt: skip
    assert unknown.returncode == 2 and "ICT_REVENUE" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("-u", "An Giang", "-i", "ICT_REVENU", "--value", "5"), "ICT_REVENUE, IT_REVENUE"),
        (("-u", "An Giang", "-i", "ICT_REVENUE"), "giả định chưa đủ"),
        (("--scenario", "ministry-estimate", "-u", "Hà Nội"), "chưa có ước tính nào của Bộ"),
        (("-u", "An Giang", "-i", "ICT_REVENUE", "--value", "1.234"), "không đọc được"),
    ],
)
def test_cli_whatif_refuses_bad_input_with_exit_2(demo, args, said):
    res = _cli(demo, *args)
    assert res.exit_code == 2 and said in " ".join(res.output.split()), res.output


def test_cli_whatif_json_error_is_bilingual(demo):
    res = _cli(demo, "-u", "An Giang", "-i", "PUB_EPUB_SHARE", "--value", "5", "--json")
    got = json.loads(res.output)
    assert res.exit_code == 2 and got["ok"] is False
    assert "PUB_EPUBS" in got["text"]["vi"]["hint"] and "PUB_EPUBS" in got["text"]["en"]["hint"]


# --- with reports out of a publishing state (analyze/published.py: the same seam) -------------


def test_a_hypothesis_and_a_draft_in_one_slab(store):
    """A unit whose report is a draft is missing (its value left out); a hypothesis for
    another unit of the same indicator-year is laid over beside it, and one for the draft's
    unit takes the place of its unpublished value."""
    from tests.test_coverage_published import NEW, PERIOD, UNIT, _fill, _report

    _fill(store)
    _report(store, "draft", datetime(2026, 7, 11))
    plain = facts(store, PERIOD, indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN")
    assert (plain.value, plain.coverage.text()) == (3300, "33/34")
    other = facts_with(store, PERIOD, [Hypothesis("ICT_REVENUE", NEW[6], 500.0)])
    nation = other.get("ICT_REVENUE", "VN")
    assert nation.value == 3300 - 100 + 500 and nation.coverage.text() == "32/34 + 1 giả định"
    assert nation.coverage.to_dict()["missing"] == [{"unit": UNIT, "period": PERIOD}]
    assert other.get("ICT_REVENUE", UNIT).value is None  # the draft stays out
    mine = facts_with(store, PERIOD, [Hypothesis("ICT_REVENUE", UNIT, 500.0)])
    nation = mine.get("ICT_REVENUE", "VN")
    assert nation.value == 3300 + 500 and nation.coverage.text() == "33/34 + 1 giả định"
    assert nation.coverage.complete and mine.get("ICT_REVENUE", UNIT).value == 500


def test_a_hypothesis_of_an_indicator_nothing_is_stored_of(store):
    from tests.test_coverage_published import NEW, PERIOD, _fill

    _fill(store)
    got = facts_with(store, PERIOD, [Hypothesis("ICT_BUDGET", NEW[0], 7.0)])
    one = got.get("ICT_BUDGET", NEW[0])
    assert one.value == 7 and one.coverage.text() == "0/1 + 1 giả định"
    nation = got.get("ICT_BUDGET", "VN")  # 1 of 34: too little to publish
    assert nation.value is None and nation.withheld["value"] == "coverage_below_threshold"
    assert store.count() == 34 + 63  # what _fill wrote, nothing more


def test_the_nations_own_figure_is_not_fed_by_a_province(demo):
    """H2/2023: the nation's revenue is the ministry's own stored figure, not the provinces'
    sum; a hypothesis for An Giang changes An Giang's figure, not the nation's — and the CLI
    says so."""
    stored = facts(demo, "2023S2").get("ICT_REVENUE", "VN")
    assert stored.coverage.own and stored.value == 1_904_763
    hyp = [Hypothesis("ICT_REVENUE", LATE, 18_817.0)]
    after = facts_with(demo, "2023S2", hyp)
    nation = after.get("ICT_REVENUE", "VN")
    assert nation.value == stored.value and "hypothetical" not in nation.extra
    assert after.get("ICT_REVENUE", "91@34").value == 18_817 + 7_152  # with Kiên Giang's
    assert what_if(demo, "2023S2", hyp).changed() == []
    res = _cli(demo, "-u", "An Giang", "-i", "ICT_REVENUE", "--value", "18817", "--lang", "en",
               period="2023S2")  # fmt: skip
    assert res.exit_code == 0 and "change no national figure" in " ".join(res.output.split())


def test_a_hypothesis_that_would_take_part_in_no_figure_is_refused(demo):
    """Today's An Giang's 2023 is An Giang's and Kiên Giang's halves added up: an annual value
    of An Giang alone cannot take part (the cube's rule for a group whose units stored parts)."""
    hyp = [Hypothesis("ICT_REVENUE", LATE, 18_817.0)]
    with pytest.raises(WhatIfError) as err:
        facts_with(demo, "2023", hyp)
    assert err.value.code == "whatif-not-used" and "as_reported" in err.value.text("en")[1]
    # on the boundaries of the period An Giang is its own unit: its year is the hypothesis
    after = facts_with(demo, "2023", hyp, boundaries="as_reported")
    assert after.get("ICT_REVENUE", LATE).value == 18_817
    nation = after.get("ICT_REVENUE", "VN")  # the provinces' sum: H1 is not stored for VN
    assert nation.value == facts(demo, "2023", "as_reported").get("ICT_REVENUE", "VN").value - (
        16_936 + 22_179 - 18_817
    )
    assert nation.coverage.text() == "62/63 + 1 giả định"


def test_a_months_hypothesis_marks_its_year_to_date(store):
    """A month's facts carry the year to date ("lũy kế"): a hypothesis of the month feeds it,
    and its coverage names the hypothetical unit too."""
    from tests.test_coverage_published import NEW

    from chitieu.store.values import NewValue

    rows = [NewValue("ICT_REVENUE", u, f"2026{m:02d}", "actual", 10.0) for u in NEW[1:]
            for m in (1, 2, 3)]  # fmt: skip
    rows += [NewValue("ICT_REVENUE", NEW[0], f"2026{m:02d}", "actual", 10.0) for m in (1, 2)]
    store.write(rows, source="test", created_by="t", at=datetime(2026, 4, 20))
    got = facts_with(store, "202603", [Hypothesis("ICT_REVENUE", NEW[0], 40.0)])
    nation = got.get("ICT_REVENUE", "VN")
    assert nation.value == 33 * 10 + 40 and nation.coverage.text() == "33/34 + 1 giả định"
    assert nation.cumulative == 34 * 20 + 33 * 10 + 40
    assert nation.cumulative_coverage.hyp == {NEW[0]} and nation.cumulative_coverage.complete
    assert store.count() == len(rows)


@pytest.mark.parametrize("boundaries", ["as_reported", "current"])
def test_a_whatif_on_a_fresh_store_keeps_no_cube_slab(store, boundaries, monkeypatch):
    """Nothing read before it: the cube slabs a what-if computes (of either province system)
    are not kept; no table's rows change."""
    from chitieu.store import pending

    monkeypatch.setattr(pending, "FOLD_FROM", 1)  # the values folded into their slabs
    store.write([NewValue("ICT_REVENUE", u, P, "actual", 10.0) for u in ("01@63", "79@63", LATE)]
                + [NewValue("ICT_BUDGET", u, P, "actual", 1.0) for u in ("01@63", "79@63")],
                source="t", created_by="t")  # fmt: skip
    then = snapshot(store)
    after = facts_with(store, P, [Hypothesis("ICT_REVENUE", LATE, 20.0)], boundaries=boundaries)
    shown = LATE if boundaries == "as_reported" else "91@34"  # today's An Giang
    assert after.get("ICT_REVENUE", shown).value == 20
    assert snapshot(store) == then
