"""The second factor: time-based one-time passwords (TOTP, RFC 6238, through ``pyotp``) for the
accounts that approve (administrators, analysts, department heads).

An account enrols in two steps: :func:`start` makes a secret (shown to its owner once, as text
and as an ``otpauth://`` URI for an authenticator app), :func:`confirm` takes the first code the
app shows and enrols it. From then on signing in asks for a code (:func:`check`). A code is
accepted for its own 30-second step and the ones either side (a phone's clock may drift), and
only once: the store keeps the newest step a code was accepted for, and a code of that step or
an earlier one is refused (one conditional UPDATE, so two requests with one code cannot both
pass). The secret is never shown again after enrolment; removing the factor (the owner with a
code, or an administrator for a lost phone) is audited.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyotp

from chitieu.store import admin as repo
from chitieu.store.db import utcnow
from chitieu.workflow.admin import SECOND_FACTOR_ROLES, record
from chitieu.workflow.errors import WorkflowForbidden

if TYPE_CHECKING:
    from chitieu.store.values import Store
    from chitieu.workflow.roles import Account

ISSUER = "chitieu"
STEP = 30
DIGITS = 6
#: steps either side of now a code is accepted for
DRIFT = 1
#: the seconds since the epoch a code is checked at (the tests fix it)
clock = time.time


@dataclass(frozen=True)
class Enrolment:
    """A secret being enrolled: as text (grouped for typing) and as the authenticator's URI."""

    secret: str
    uri: str

    @property
    def grouped(self) -> str:
        """The secret in groups of four letters, easier to type into an app."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def may_enrol(acc: Account) -> bool:
    """Whether ``acc``'s role uses a second factor (those who approve)."""
    return acc.role in SECOND_FACTOR_ROLES


def start(store: Store, acc: Account) -> Enrolment:
    """A new secret for ``acc`` to enrol (replacing an unconfirmed one); refused to roles
    without a second factor, and while one is enrolled (remove it first)."""
    if not may_enrol(acc):
        raise WorkflowForbidden("totp-role")
    if enrolled(store, acc.id):
        raise WorkflowForbidden("totp-enrolled")
    secret = pyotp.random_base32()
    repo.start_totp(store, acc.id, secret, utcnow())
    return Enrolment(secret, _uri(secret, acc.username))


def pending(store: Store, acc: Account) -> Enrolment | None:
    """The secret ``acc`` is enrolling and has not confirmed yet (None: none, or confirmed)."""
    row = repo.totp_row(store, acc.id)
    if row is None or row.enrolled:
        return None
    return Enrolment(row.secret, _uri(row.secret, acc.username))


def enrolled(store: Store, account_id: int) -> bool:
    """Whether the account signs in with a second factor."""
    row = repo.totp_row(store, account_id)
    return row is not None and row.enrolled


def _uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP).provisioning_uri(
        name=username, issuer_name=ISSUER
    )


def _step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (now's or one either side), None if none."""
    typed = "".join(code.split())
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    otp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP)
    t = clock() if now is None else now
    here = int(t // STEP)
    found = None
    for step in range(here - DRIFT, here + DRIFT + 1):
        if hmac.compare_digest(otp.generate_otp(step), typed):  # every step compared
            found = step
    return found


def _use(store: Store, account_id: int, code: str, *, enrol: bool) -> bool:
    row = repo.totp_row(store, account_id)
    if row is None or row.enrolled == enrol:
        return False
    step = _step(row.secret, code)
    if step is None:
        return False
    with store.transaction() as conn:
        return repo.use_step(conn, account_id, step, enrol=enrol)


def confirm(store: Store, acc: Account, code: str) -> bool:
    """Enrol ``acc``'s pending secret with the first code its app shows (audited)."""
    ok = _use(store, acc.id, code, enrol=True)
    if ok:
        record(store, acc.username, "2fa-enrol", acc.username)
    return ok


def check(store: Store, account_id: int, code: str) -> bool:
    """Whether ``code`` is the enrolled account's, for a step no code was accepted for yet."""
    return _use(store, account_id, code, enrol=False)


def remove(store: Store, by: Account, acc: Account) -> bool:
    """Remove ``acc``'s second factor (its owner, or an administrator), audited; whether it
    had one."""
    if by.id != acc.id and by.role != "admin":
        raise WorkflowForbidden("admin-only")
    with store.transaction() as conn:
        gone = repo.drop_totp(conn, acc.id) > 0
    if gone:
        record(store, by.username, "2fa-remove", acc.username)
    return gone


def enrolled_ids(store: Store) -> set[int]:
    """The accounts with a second factor (for the administrators' list)."""
    return repo.enrolled_ids(store)
