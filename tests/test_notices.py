"""Notices on SQLite and PostgreSQL: a transition writes them to the outbox in its own
transaction (and sends nothing); `notify` e-mails each exactly once through a local SMTP server
the tests start — across runs, with a first send that failed (the server down, then up), and
with two runs at once; deadline notices N days ahead by the one clock (CHITIEU_NOW)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from tests.smtp import Mailbox

from chitieu import clock
from chitieu.catalog.forms import forms
from chitieu.catalog.periods import parse_period
from chitieu.store import notices as outbox
from chitieu.store.values import NewValue, Store
from chitieu.workflow.accounts import Accounts
from chitieu.workflow.notices_mail import LEASE, SmtpSettings, notify, send_due
from chitieu.workflow.state import Report, load_report, reload
from chitieu.workflow.transitions import transition

FORM, UNIT, PERIOD = "TTTT-6T", "01@34", "2026S1"
VALUES = {"ICT_REVENUE": 100.0, "ICT_BUDGET": 10.0, "ICT_GDP": 41900.0, "ICT_LABOUR": 500.0}
PASSWORD = "mat-khau-dai-du"
#: a day with no deadline within a week (no deadline notice gets in the way)
QUIET = "2026-05-04T09:00"
#: who is who: user → (role, unit, e-mail)
PEOPLE = {
    "hanoi": ("reporter", UNIT, "hanoi@so-tttt.test"),
    "hanoi-head": ("head", UNIT, "giamdoc@so-tttt.test"),
    "bo": ("analyst", None, "bo@mic.test"),
    "bo2": ("analyst", None, None),
    "hcm": ("reporter", "79@34", "hcm@so-tttt.test"),
}


def _people(store: Store) -> dict[str, object]:
    accounts = Accounts(store)
    out = {}
    for name, (role, unit, email) in PEOPLE.items():
        out[name] = accounts.add(name, PASSWORD, role, units=[unit] if unit else [], email=email)
    return out


def _report(store: Store) -> Report:
    store.write(
        [NewValue(k, UNIT, PERIOD, "actual", v) for k, v in VALUES.items()],
        source="test",
        created_by="import",
    )
    f = forms().get(FORM)
    return load_report(store, f, UNIT, parse_period(PERIOD), f.round("actual"))


def _forms(store: Store) -> list[tuple[str, str]]:
    """(form, channel) of every notice, oldest first."""
    with store.read_conn() as conn:
        got = conn.execute(outbox.notice.select().order_by("id")).mappings()
        return [(r["form"], r["channel"]) for r in got]


def _rows(store: Store, channel: str = outbox.APP) -> list[tuple[str, str]]:
    """(kind, recipient) of every notice on ``channel``, oldest first."""
    names = {a.id: a.username for a in Accounts(store).list()}
    with store.read_conn() as conn:
        got = conn.execute(
            outbox.notice.select().where(outbox.notice.c.channel == channel).order_by("id")
        ).mappings()
        return [(r["kind"], names[r["account_id"]]) for r in got]


@pytest.fixture
def round_(store: Store, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHITIEU_NOW", QUIET)
    monkeypatch.delenv("CHITIEU_NOTICE_DAYS", raising=False)
    return _people(store), _report(store)


def _walk(store: Store, who: dict, r: Report) -> Report:  # type: ignore[type-arg]
    r = transition(store, who["hanoi"], r, "submit")
    r = transition(store, who["hanoi-head"], r, "return", "Kiểm tra lại số lao động")
    r = transition(store, who["hanoi"], r, "reply", "Số liệu đúng, đã đối chiếu")
    r = transition(store, who["hanoi"], r, "submit")
    r = transition(store, who["hanoi-head"], r, "accept")
    return transition(store, who["bo"], r, "approve")


def test_each_transition_tells_the_right_people_in_its_own_transaction(store, round_):
    who, r = round_
    _walk(store, who, r)
    assert _rows(store) == [
        ("submit", "hanoi-head"),  # the level above the unit
        ("return", "hanoi"),  # the level it went back to
        ("reply", "hanoi-head"),  # the level above the one who wrote
        ("submit", "hanoi-head"),
        ("accept", "hanoi"),  # the unit, and the ministry that it now waits for
        ("accept", "bo"),
        ("accept", "bo2"),
        ("approve", "hanoi"),  # the unit's officer and its head; not the approver
        ("approve", "hanoi-head"),
    ]
    # e-mails only for those with an address; nobody is told of their own action
    assert [w for _, w in _rows(store, outbox.EMAIL)] == [
        "hanoi-head", "hanoi", "hanoi-head", "hanoi-head", "hanoi", "bo", "hanoi", "hanoi-head",
    ]  # fmt: skip
    with store.read_conn() as conn:
        assert outbox.counts(conn) == {"pending": 8}  # nothing sent by a transition


def test_the_unit_is_told_when_the_ministry_submits_on_its_behalf(store, round_):
    who, r = round_
    r = transition(store, who["bo"], _walk(store, who, r), "reopen", "Bổ sung số liệu")
    transition(store, who["bo2"], r, "submit")
    assert _rows(store)[-4:] == [
        ("reopen", "hanoi"), ("reopen", "hanoi-head"),
        ("submit", "hanoi"), ("submit", "hanoi-head"),
    ]  # fmt: skip


def test_a_refused_transition_writes_no_notice(store, round_):
    from chitieu.errors import ChitieuError

    who, r = round_
    r = transition(store, who["hanoi"], r, "submit")
    with pytest.raises(ChitieuError):
        transition(store, who["bo"], r, "approve")  # waits for the head: refused
    assert _rows(store) == [("submit", "hanoi-head")]


def test_preferences_app_only_and_none(store, round_):
    who, r = round_
    accounts = Accounts(store)
    accounts.set_contact("hanoi-head", notices="app")
    transition(store, who["hanoi"], r, "submit")
    assert _rows(store) == [("submit", "hanoi-head")] and _rows(store, outbox.EMAIL) == []
    accounts.set_contact("hanoi", notices="none")
    r = transition(store, who["hanoi-head"], reload(store, r), "return", "Thiếu số liệu")
    assert _rows(store) == [("submit", "hanoi-head")]


def _settings(box: Mailbox) -> SmtpSettings:
    return SmtpSettings.from_env({**box.env(), "CHITIEU_BASE_URL": "https://chitieu.test"})


def test_each_notice_is_emailed_exactly_once_across_runs_and_after_a_failed_send(
    store, round_, monkeypatch
):
    who, r = round_
    r = transition(store, who["hanoi"], r, "submit")
    box = Mailbox()  # its port chosen, nothing listening yet: the server is down
    down = notify(store, settings=_settings(box))
    assert (down.sent, down.failed, down.ok) == (0, 1, False)
    assert "ConnectionRefusedError" in down.errors[0]
    with store.read_conn() as conn:
        (row,) = conn.execute(outbox.notice.select().where(outbox.notice.c.channel == "email"))
    assert (row.state, row.attempts, row.next_at) == ("failed", 1, datetime(2026, 5, 4, 2, 5))
    assert "ConnectionRefusedError" in row.last_error

    box.start()
    try:
        transition(store, who["hanoi-head"], r, "return", "Kiểm tra lại số lao động")
        early = notify(store, settings=_settings(box))  # the failed one waits for its turn
        assert (early.sent, early.failed) == (1, 0)
        assert box.recipients == [["hanoi@so-tttt.test"]]
        monkeypatch.setenv("CHITIEU_NOW", "2026-05-04T09:06")  # past its next attempt
        later = notify(store, settings=_settings(box))
        assert (later.sent, later.failed, later.ok) == (1, 0, True)
        again = notify(store, settings=_settings(box))
        assert (again.sent, again.failed) == (0, 0)
    finally:
        box.stop()
    assert box.recipients == [["hanoi@so-tttt.test"], ["giamdoc@so-tttt.test"]]
    assert len(set(box.ids())) == 2
    with store.read_conn() as conn:
        assert outbox.counts(conn) == {"sent": 2}
        (row,) = conn.execute(
            outbox.notice.select().where(
                outbox.notice.c.channel == "email", outbox.notice.c.kind == "submit"
            )
        )
    assert (row.attempts, row.sent_at is not None) == (2, True)

    # the e-mail: subject in the reader's language, Vietnamese then English, the comment, a link
    msg = box.messages[0]
    assert msg["Subject"] == "Báo cáo của Thành phố Hà Nội bị trả lại"
    text = msg.get_content()
    assert text.index("Kiểm tra lại số lao động") < text.index("Dear hanoi")
    assert "Thực hiện 6 tháng đầu năm 2026 — hạn 15/07/2026" in text
    assert "https://chitieu.test/entry/TTTT-6T/01@34/2026S1?round=actual" in text
    assert "returned the report" in text


def test_two_runs_at_once_send_each_email_once(store, round_):
    who, r = round_
    _walk(store, who, r)
    box = Mailbox().start()
    try:
        # an interleaving fixed by hand: a run has claimed the first e-mail and not sent it yet
        # and another run died while sending the second, longer ago than the lease
        now = clock.now()
        with store.read_conn() as conn:
            first, second = outbox.due_emails(conn, now, now - LEASE, 10)[:2]
        dead = now - LEASE - timedelta(minutes=1)
        with store.transaction() as conn:
            assert outbox.claim(conn, first, "other-run", now, now - LEASE)
            assert outbox.claim(conn, second, "dead-run", dead, dead - LEASE)
        out = send_due(store, _settings(box))
        assert out.sent == 7  # every e-mail but the one the other run holds
        with store.transaction() as conn:  # the other run finishes; a stranger cannot
            assert outbox.finish(conn, first, "a-stranger", state="sent", at=datetime.now()) == 0
            assert outbox.finish(conn, first, "other-run", state="sent", at=datetime.now()) == 1
            assert outbox.finish(conn, second, "dead-run", state="sent", at=datetime.now()) == 0

        # and two real runs at the same moment, after more events
        r = transition(store, who["bo"], reload(store, r), "reopen", "Bổ sung số liệu")
        transition(store, who["hanoi"], r, "reply", "Đã bổ sung")
        start = threading.Barrier(2)
        results = []

        def run() -> None:
            start.wait()
            results.append(send_due(store, _settings(box)))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        box.stop()
    assert sum(o.sent for o in results) == 3  # the reopen: hanoi and the head; the reply: the head
    counts = Counter(box.ids())
    assert len(counts) == 10 and set(counts.values()) == {1}


def test_deadline_notices_n_days_ahead_by_the_one_clock(store, round_, monkeypatch):
    who, _r = round_
    # 2026S1's estimate of TTTT-6T is due 20/06/2026; its actual 15/07/2026
    monkeypatch.setenv("CHITIEU_NOW", "2026-06-16T08:00")  # 4 days ahead: not yet
    assert notify(store, send=False).created == 0
    monkeypatch.setenv("CHITIEU_NOW", "2026-06-17T08:00")  # 3 days ahead
    assert notify(store, send=False).created == 4  # hanoi and hcm: the bell and an e-mail each
    assert notify(store, send=False).created == 0  # never twice
    monkeypatch.setenv("CHITIEU_NOW", "2026-06-19T08:00")
    assert notify(store, send=False).created == 0  # nor the next day
    assert sorted(_rows(store)) == [("deadline", "hanoi"), ("deadline", "hcm")]

    # a unit that has submitted is not reminded; a setting moves the horizon
    f = forms().get(FORM)
    r = load_report(store, f, UNIT, parse_period(PERIOD), f.round("actual"))
    transition(store, who["hanoi"], r, "submit")
    monkeypatch.setenv("CHITIEU_NOTICE_DAYS", "30")
    # the actual round: hcm only (hanoi has sent it); the ministry's own half-year form, due
    # 25/06/2026: its analysts
    before = len(_forms(store))
    got = notify(store, send=False).created
    new = _forms(store)[before:]
    # the forms of this test (other shipped forms due within 30 days are reminded too)
    ours = [x for x in new if x[0] in (FORM, "LV-6T")]
    assert len(ours) == 5 and got == len(new)
    with store.read_conn() as conn:
        me = [n for n in outbox.of_account(conn, who["hcm"].id) if n["form"] == FORM]
    assert [(n["round"], str(n["due"])) for n in me] == [
        ("actual", "2026-07-15"),
        ("estimate", "2026-06-20"),
    ]
    from chitieu.workflow.notices_text import subject

    assert subject(me[1], "vi") == "Còn 1 ngày đến hạn báo cáo của Thành phố Hồ Chí Minh"


def test_bad_settings_are_refused(store):
    from chitieu.workflow.notices import NoticeSettingError, notice_days

    with pytest.raises(NoticeSettingError) as e:
        SmtpSettings.from_env({"CHITIEU_SMTP_HOST": "x", "CHITIEU_SMTP_PORT": "25a"})
    assert e.value.exit_code == 2 and "CHITIEU_SMTP_PORT" in e.value.text("vi")[0]
    with pytest.raises(NoticeSettingError):
        notice_days(forms().get(FORM), {"CHITIEU_NOTICE_DAYS": "-1"})
    assert notice_days(forms().get(FORM), {}) == 3


def test_backoff_doubles_up_to_its_limit():
    from chitieu.workflow.notices_mail import BACKOFF_MAX, backoff

    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (5, 10, 20)]
    assert backoff(30) == BACKOFF_MAX


def test_an_address_refused_for_good_is_given_up_at_once_and_the_others_go(store, round_):
    who, r = round_
    transition(store, who["hanoi-head"], transition(store, who["hanoi"], r, "submit"), "return",
               "Thiếu số liệu")  # fmt: skip
    box = Mailbox(refuse={"hanoi@so-tttt.test"}).start()
    try:
        out = notify(store, settings=_settings(box))
    finally:
        box.stop()
    assert (out.sent, out.failed, out.given_up, out.ok) == (1, 0, 1, False), out.errors
    assert "550" in out.errors[0]
    assert box.recipients == [["giamdoc@so-tttt.test"]]
    with store.read_conn() as conn:
        assert outbox.counts(conn) == {"sent": 1, "dead": 1}


def test_a_server_that_refuses_the_sign_in_gives_up_no_email(store, round_):
    who, r = round_
    transition(store, who["hanoi"], r, "submit")
    box = Mailbox().start()  # it offers no sign-in: smtplib's login fails before any e-mail
    try:
        settings = SmtpSettings.from_env({**box.env(), "CHITIEU_SMTP_USER": "chitieu",
                                          "CHITIEU_SMTP_PASSWORD": "x"})  # fmt: skip
        out = notify(store, settings=settings)
    finally:
        box.stop()
    assert (out.sent, out.failed, out.given_up) == (0, 1, 0) and box.recipients == []
    with store.read_conn() as conn:
        assert outbox.counts(conn) == {"failed": 1}
