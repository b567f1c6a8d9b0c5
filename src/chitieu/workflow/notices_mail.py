"""Sending the outbox's e-mails through an SMTP server, and ``chitieu notify``'s run.

Settings (the environment): ``CHITIEU_SMTP_HOST`` (none: no e-mail is sent; the notices stay
in the app and their e-mails wait), ``CHITIEU_SMTP_PORT`` (25; 465 speaks TLS from the start),
``CHITIEU_SMTP_USER`` and ``CHITIEU_SMTP_PASSWORD`` (sign in if given),
``CHITIEU_SMTP_FROM`` (the sender, ``chitieu@localhost`` by default),
``CHITIEU_SMTP_STARTTLS`` (1: upgrade the connection with STARTTLS), ``CHITIEU_SMTP_TIMEOUT``
(seconds, 30) and ``CHITIEU_BASE_URL`` (the web address the e-mails link to).

Each e-mail is claimed before it is sent (``store.notices.claim``: one conditional UPDATE, so
of two runs at once only one sends it), sent outside any transaction, then marked sent by the
run that claimed it. A failed send counts its attempt, keeps its error and waits for its next
attempt (5 minutes after the first failure, doubling up to 6 hours; a run before then leaves
it); after ``MAX_ATTEMPTS``, or at once when the server refuses it for good (a 5xx answer to
it), it is given up. When the server cannot be reached, or refuses the connection, TLS or the
sign-in, the run stops at the first e-mail (which waits for its next attempt: it is not given
up for the server's fault); the others are not claimed, so no attempt of theirs is counted. A
run that died while sending leaves its claim; after ``LEASE`` it is taken again (its e-mail may
then arrive twice; its ``Message-ID`` is the same both times, so mail programs show it once).
"""

from __future__ import annotations

import os
import secrets
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from chitieu import clock
from chitieu.store import notices as repo
from chitieu.store.notices import DEAD, FAILED, SENT
from chitieu.store.values import Store
from chitieu.workflow.notices import NoticeSettingError, deadline_notices
from chitieu.workflow.notices_text import mail_text

#: attempts of an e-mail before it is given up
MAX_ATTEMPTS = 8
#: wait after the first failure (doubled after each next one), and the longest wait
BACKOFF = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)
#: a claim older than this belongs to a run that died while sending
LEASE = timedelta(minutes=15)
#: e-mails one run sends at most (the next run sends the rest)
BATCH = 500


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how e-mails are sent."""

    host: str | None
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "chitieu@localhost"
    starttls: bool = False
    timeout: float = 30.0
    base_url: str = "http://localhost:8000"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        """The settings of the environment (a bad number: :class:`NoticeSettingError`)."""
        e = os.environ if env is None else env

        def get(name: str) -> str | None:
            return (e.get(f"CHITIEU_{name}") or "").strip() or None

        return cls(
            host=get("SMTP_HOST"),
            port=_number("CHITIEU_SMTP_PORT", get("SMTP_PORT"), 25),
            user=get("SMTP_USER"),
            password=e.get("CHITIEU_SMTP_PASSWORD") or None,
            sender=get("SMTP_FROM") or cls.sender,
            starttls=_flag("CHITIEU_SMTP_STARTTLS", get("SMTP_STARTTLS")),
            timeout=float(_number("CHITIEU_SMTP_TIMEOUT", get("SMTP_TIMEOUT"), 30)),
            base_url=get("BASE_URL") or cls.base_url,
        )


def _number(name: str, text: str | None, default: int) -> int:
    if text is None:
        return default
    if not text.isdigit() or int(text) == 0:
        raise NoticeSettingError(code="notify-bad-setting", name=name, text=text)
    return int(text)


def _flag(name: str, text: str | None) -> bool:
    if text is None or text.lower() in ("0", "false", "no", "off"):
        return False
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    raise NoticeSettingError(code="notify-bad-setting", name=name, text=text)


def compose(row: Mapping[Any, Any], settings: SmtpSettings) -> EmailMessage:
    """The e-mail of a notice (its recipient's address, language and name in ``row``)."""
    subject, text = mail_text(row, row["lang"], row["display_name"], settings.base_url)
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = formataddr((row["display_name"], row["address"]))
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    domain = settings.sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<chitieu-notice-{row['id']}@{domain}>"
    msg.set_content(text)
    return msg


class ServerDown(Exception):
    """The SMTP server cannot be reached or refuses the run (connection, TLS, sign-in): no
    e-mail's fault, so none is given up for it; the run stops and tries again later."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause


class _Connection:
    """One SMTP connection for a run, opened at the first e-mail."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, msg: EmailMessage) -> None:
        """Send ``msg`` (:class:`ServerDown` if the connection cannot be opened or is lost)."""
        if self.smtp is None:
            try:
                self.smtp = self._open()
            except (smtplib.SMTPException, OSError) as exc:
                raise ServerDown(exc) from exc
        try:
            self.smtp.send_message(msg)
        except smtplib.SMTPServerDisconnected as exc:
            raise ServerDown(exc) from exc
        except smtplib.SMTPException:  # an answer about this e-mail (an OSError too)
            raise
        except OSError as exc:  # the connection broke
            raise ServerDown(exc) from exc

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        assert s.host is not None
        if s.port == 465:
            return self._login(smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout))
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.starttls:
            smtp.starttls(context=ssl.create_default_context())
        return self._login(smtp)

    def _login(self, smtp: smtplib.SMTP) -> smtplib.SMTP:
        if self.settings.user:
            smtp.login(self.settings.user, self.settings.password or "")
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


@dataclass
class Outcome:
    """What a ``notify`` run did."""

    created: int = 0  # deadline notices written (rows)
    sent: int = 0
    failed: int = 0  # will be tried again
    given_up: int = 0
    smtp: bool = True  # False: no server is set, nothing was sent
    errors: list[str] = field(default_factory=list)
    waiting: dict[str, int] = field(default_factory=dict)  # e-mails by state, after the run

    @property
    def ok(self) -> bool:
        """Nothing failed."""
        return not self.failed and not self.given_up

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "ok": self.ok,
            "created": self.created,
            "sent": self.sent,
            "failed": self.failed,
            "given_up": self.given_up,
            "smtp": self.smtp,
            "errors": self.errors,
            "emails": self.waiting,
        }


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    return min(BACKOFF * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _permanent(exc: BaseException) -> bool:
    """A refusal of this e-mail for good (5xx, or an e-mail that cannot be written): trying
    again would not help."""
    if isinstance(exc, ValueError):  # a header that cannot be written (a name with a newline)
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


class _Run:
    """One run's sending: claims, sends, records."""

    def __init__(self, store: Store, settings: SmtpSettings, out: Outcome) -> None:
        self.store, self.settings, self.out = store, settings, out
        self.token = secrets.token_hex(16)
        self.conn = _Connection(settings)

    def one(self, notice_id: int, now: datetime) -> bool:
        """Claim and send one e-mail; False if the server cannot be reached (stop)."""
        with self.store.transaction() as conn:
            if not repo.claim(conn, notice_id, self.token, now, now - LEASE):
                return True  # another run has it, or had it
            row = repo.email(conn, notice_id)
        assert row is not None
        if not (row["active"] and row["address"] and row["wants"] == "all"):
            self._finish(notice_id, DEAD, now, last_error="the recipient takes no e-mail now")
            return True
        try:
            self.conn.send(compose(row, self.settings))
        except ServerDown as down:
            self._failed(notice_id, row["attempts"], down.cause, now, server=True)
            self.conn.close()
            return False
        except (smtplib.SMTPException, ValueError) as exc:  # this e-mail was refused
            self._failed(notice_id, row["attempts"], exc, now)
            return True
        self._finish(notice_id, SENT, now, last_error=None)
        self.out.sent += 1
        return True

    def _failed(
        self, notice_id: int, attempts: int, exc: BaseException, now: datetime, server: bool = False
    ) -> None:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        self.out.errors.append(error)
        if (not server and _permanent(exc)) or attempts >= MAX_ATTEMPTS:
            self._finish(notice_id, DEAD, now, last_error=error)
            self.out.given_up += 1
            return
        self._finish(notice_id, FAILED, now, last_error=error, next_at=now + backoff(attempts))
        self.out.failed += 1

    def _finish(self, notice_id: int, state: str, now: datetime, **values: Any) -> None:
        with self.store.transaction() as conn:
            repo.finish(conn, notice_id, self.token, state=state, at=now, **values)


def send_due(store: Store, settings: SmtpSettings, out: Outcome | None = None) -> Outcome:
    """Send the e-mails due now (by the one clock), claiming each first."""
    out = out or Outcome()
    if not settings.host:
        out.smtp = False
        return out
    now = clock.now()
    with store.read_conn() as conn:
        ids = repo.due_emails(conn, now, now - LEASE, BATCH)
    run = _Run(store, settings, out)
    try:
        for notice_id in ids:
            if not run.one(notice_id, now):
                break
    finally:
        run.conn.close()
    return out


def notify(
    store: Store,
    *,
    today: date | None = None,
    days: int | None = None,
    settings: SmtpSettings | None = None,
    send: bool = True,
) -> Outcome:
    """What a scheduler runs: write the deadline notices due, then send the e-mails due."""
    settings = settings or SmtpSettings.from_env()
    out = Outcome(created=deadline_notices(store, today, days))
    if send:
        send_due(store, settings, out)
    with store.read_conn() as conn:
        out.waiting = repo.counts(conn)
    return out
