"""Drafts and returned reports count as missing (issue 17, item 1): "reported" means values in a
state that feeds published figures (``workflow.publish.feeds_published``: submitted and beyond,
or received outside the web's workflow). A unit whose report is a draft, returned or reopened is
missing from the coverage of the figures it should be part of, and its value does not feed the
national total; as of an instant, the report counts in the state it was in then."""

from datetime import date, datetime

import pytest

from chitieu.analyze.facts import facts
from chitieu.catalog.units import registry
from chitieu.store import workflow
from chitieu.store.values import NewValue

OLD = [u.id for u in registry().provinces(date(2025, 6, 30))]  # the 63
NEW = [u.id for u in registry().provinces(date(2026, 6, 30))]  # the 34
UNIT = NEW[5]
FORM, PERIOD = "TTTT-6T", "2026S1"


def _fill(store, at=datetime(2026, 7, 10)):
    rows = [NewValue("ICT_REVENUE", u, PERIOD, "actual", 100.0) for u in NEW]
    rows += [NewValue("ICT_REVENUE", u, "2025S1", "actual", 50.0) for u in OLD]
    store.write(rows, source="test", created_by="t", at=at)


def _report(store, status, at, unit=UNIT, round_="actual"):
    """The unit's report of the half's ``round_`` moved to ``status`` at ``at`` (an event)."""
    key = workflow.report_key(FORM, unit, PERIOD, round_)
    with store.transaction() as conn:
        sub = workflow.ensure_submission(conn, key, "t", at)
        row = workflow.submission_row(conn, key)
        if row["status"] != status:
            assert workflow.move(conn, sub, row["status"], row["version"], {"status": status})
        workflow.add_event(conn, submission_id=sub, at=at, actor="t", action="save",
                           from_status=row["status"], to_status=status)  # fmt: skip


@pytest.mark.parametrize("status", ["draft", "returned", "reopened"])
def test_a_unit_whose_report_does_not_feed_published_figures_is_missing(store, status):
    _fill(store)
    _report(store, status, datetime(2026, 7, 11))
    got = facts(store, PERIOD, indicators=["ICT_REVENUE"])
    nation = got.get("ICT_REVENUE", "VN")
    assert nation.coverage.text() == "33/34"
    assert nation.coverage.to_dict()["missing"] == [{"unit": UNIT, "period": PERIOD}]
    assert nation.value == 3300  # the draft's 100 does not feed the total
    mine = got.get("ICT_REVENUE", UNIT)
    assert mine is not None and mine.value is None and mine.coverage is None  # not published
    assert mine.previous is not None  # last year's figure is its own, published
    other = got.get("ICT_REVENUE", NEW[6])
    assert other.value == 100 and other.coverage.complete


@pytest.mark.parametrize("status", ["submitted", "accepted", "approved"])
def test_submitted_and_beyond_count(store, status):
    _fill(store)
    _report(store, status, datetime(2026, 7, 11))
    got = facts(store, PERIOD, indicators=["ICT_REVENUE"])
    nation = got.get("ICT_REVENUE", "VN")
    assert nation.coverage.text() == "34/34" and nation.coverage.complete
    assert nation.value == 3400
    assert got.get("ICT_REVENUE", UNIT).value == 100


def test_values_received_outside_the_workflow_count(store):
    """No report at all (a ministry's import): received, feeds the figures."""
    _fill(store)
    nation = facts(store, PERIOD, indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN")
    assert nation.coverage.complete and nation.value == 3400


def test_a_draft_of_another_round_leaves_the_actual_figures_be(store):
    """The estimate round's draft holds estimates: the actual figures stand."""
    _fill(store)
    _report(store, "draft", datetime(2026, 7, 11), round_="estimate")
    nation = facts(store, PERIOD, indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN")
    assert nation.coverage.complete and nation.value == 3400


def test_as_of_an_instant_the_report_counts_in_its_state_then(store):
    _fill(store)
    _report(store, "draft", datetime(2026, 7, 11))
    _report(store, "submitted", datetime(2026, 7, 20))
    before = facts(store, PERIOD, as_of=datetime(2026, 7, 15), indicators=["ICT_REVENUE"])
    assert before.get("ICT_REVENUE", "VN").coverage.text() == "33/34"
    assert before.get("ICT_REVENUE", "VN").value == 3300
    after = facts(store, PERIOD, as_of=datetime(2026, 7, 21), indicators=["ICT_REVENUE"])
    assert after.get("ICT_REVENUE", "VN").coverage.complete
    now = facts(store, PERIOD, indicators=["ICT_REVENUE"])
    assert now.get("ICT_REVENUE", "VN").value == 3400


def test_returning_a_report_changes_the_facts_read_next(store):
    """The facts kept per process follow the report's state (its events are in the store's
    data version)."""
    _fill(store)
    _report(store, "submitted", datetime(2026, 7, 11))
    assert facts(store, PERIOD, indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN").value == 3400
    _report(store, "returned", datetime(2026, 7, 12))
    nation = facts(store, PERIOD, indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN")
    assert nation.value == 3300 and nation.coverage.text() == "33/34"


def test_a_submitted_drafts_values_are_the_release_a_later_figure_revises(store):
    """Submitting a draft publishes its values without a write: the revisions see that
    instant, so the figure revised later revises the submitted one (not nothing)."""
    from chitieu.analyze.revisions import releases

    _fill(store)  # the unit's 100 saved in its draft
    _report(store, "draft", datetime(2026, 7, 10))
    _report(store, "submitted", datetime(2026, 7, 11))
    store.write([NewValue("ICT_REVENUE", UNIT, PERIOD, "actual", 120.0)], source="test",
                created_by="t", at=datetime(2026, 8, 1))  # fmt: skip
    got = [r.value for r in releases(store, "ICT_REVENUE", UNIT, PERIOD)]
    assert got == [None, 100, 120]  # the draft unpublished, then submitted, then revised
