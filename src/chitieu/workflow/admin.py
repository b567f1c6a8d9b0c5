"""Administration: the audit of administrative changes, and the settings an administrator may
change while the system runs.

**Audit.** Every change an administrator makes — an account added, disabled or enabled, its
role, units or password; a token issued or revoked; a round's deadline or a form's approval
levels; a setting; a second factor removed — is a row of ``web_admin_event`` (who, when, what,
on what, details), written by the core function that makes the change, whether the web or the
CLI called it (``store/admin.py`` holds its SQL). The approval levels and the deadlines keep
their own append-only history too (``workflow/levels.py``, ``workflow/deadlines.py``).

**Settings.** :data:`SETTINGS` lists what may be changed at run time, each with its choices and
default, kept in ``web_setting`` under ``admin.<name>``. The e-mail (SMTP) settings are the
environment's (``workflow/notices_mail.py``): shown, never changed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from chitieu.catalog.vocabulary import Role
from chitieu.store import accounts as accounts_repo
from chitieu.store import admin as repo
from chitieu.store.db import utcnow
from chitieu.workflow.errors import WorkflowForbidden, WorkflowInvalid

if TYPE_CHECKING:
    from chitieu.store.values import Store
    from chitieu.workflow.roles import Account

#: the actions the audit records
ACTIONS = (
    "user-add", "user-disable", "user-enable", "user-role", "user-password",
    "token-add", "token-revoke", "levels", "deadline", "setting",
    "2fa-enrol", "2fa-remove",
)  # fmt: skip


@dataclass(frozen=True)
class Event:
    """One administrative change."""

    at: datetime
    actor: str
    action: str
    target: str
    detail: str | None


def record(store: Store, actor: str, action: str, target: str, detail: str | None = None) -> None:
    """Audit one administrative change."""
    with store.transaction() as conn:
        repo.add_event(conn, utcnow(), actor, action, target, detail)


def recent(store: Store, limit: int = 50, target: str | None = None) -> list[Event]:
    """The newest administrative changes, newest first."""
    return [
        Event(r["at"], r["actor"], r["action"], r["target"], r["detail"])
        for r in repo.events(store, limit, target)
    ]


@dataclass(frozen=True)
class Setting:
    """A setting an administrator may change at run time: its choices, the first the default."""

    name: str
    choices: tuple[str, ...]

    @property
    def default(self) -> str:
        """The value while no administrator has set one."""
        return self.choices[0]


#: require a second factor (TOTP) of: nobody, the administrators, or everyone who approves
#: (administrators, analysts and department heads)
REQUIRE_2FA = Setting("require_2fa", ("off", "admins", "approvers"))
SETTINGS: Mapping[str, Setting] = {s.name: s for s in (REQUIRE_2FA,)}
#: the roles each value of ``require_2fa`` asks a second factor of
_REQUIRED_OF = {
    "off": (),
    "admins": (Role.ADMIN,),
    "approvers": (Role.ADMIN, Role.ANALYST, Role.HEAD),
}
#: the roles that may enrol a second factor (those who approve)
SECOND_FACTOR_ROLES = (Role.ADMIN, Role.ANALYST, Role.HEAD)
_PREFIX = "admin."


def setting(store: Store, name: str) -> str:
    """The value of a run-time setting (its default if unset or no longer a choice)."""
    s = SETTINGS[name]
    got = accounts_repo.get_setting(store, _PREFIX + name)
    return got if got in s.choices else s.default


def set_setting(store: Store, acc: Account, name: str, value: str) -> str:
    """An administrator changes a run-time setting (audited); the value in force after."""
    if acc.role != Role.ADMIN:
        raise WorkflowForbidden("admin-only")
    s = SETTINGS.get(name)
    if s is None or value not in s.choices:
        choices = ", ".join(s.choices) if s else ", ".join(SETTINGS)
        raise WorkflowInvalid("admin-setting-invalid", name=name, value=value, choices=choices)
    accounts_repo.put_setting(store, _PREFIX + name, value)
    record(store, acc.username, "setting", name, value)
    return setting(store, name)


def second_factor_required(store: Store, role: str) -> bool:
    """Whether the settings require accounts of ``role`` to sign in with a second factor."""
    return role in _REQUIRED_OF[setting(store, REQUIRE_2FA.name)]
