"""Accounts' roles and unit scope: who may read, enter, submit, accept, approve, return, reopen
and reply, for which units. The one place these rules live; the web, the CLI and the demo ask
an :class:`Account`.

Roles (``catalog.vocabulary.Role``) and the approval level each acts at:

- ``reporter`` — a provincial department's officer: reads and enters its own units' values,
  submits them (level 0, the unit);
- ``head`` — the department's head: reads its own units, accepts or returns their reports
  (level 1); enters no values;
- ``analyst`` — the ministry: reads and enters every unit's values (on a unit's behalf),
  approves, returns and reopens (level 2);
- ``admin`` — everything an analyst does, and accepts at level 1 where a province has no head;
- ``viewer`` — reads everything, changes nothing.

A unit of a merged province belongs to the province it merged into: an account bound to
today's 34 provinces owns the records of their predecessors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import Level, Role
from chitieu.errors import UnitError

#: roles that read every unit's data
SEES_ALL = (Role.ADMIN, Role.ANALYST, Role.VIEWER)
#: roles of the ministry: every unit's values, approve, return, reopen
MINISTRY = (Role.ADMIN, Role.ANALYST)
#: roles bound to units (they read those units only)
BOUND = (Role.REPORTER, Role.HEAD)


@dataclass(frozen=True)
class Account:
    """A user: role and the units it reports for (reporters and heads)."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool = True
    lang: str = "vi"
    units: frozenset[str] = field(default_factory=frozenset)
    email: str | None = None  # where e-mailed notices go (none: in the app only)
    notices: str = "all"  # which notices it gets: all (app and e-mail), app, none

    @property
    def sees_all(self) -> bool:
        """Admins, analysts and viewers read every unit's data."""
        return self.role in SEES_ALL

    @property
    def is_ministry(self) -> bool:
        """Admins and analysts validate, approve and reopen."""
        return self.role in MINISTRY

    @property
    def is_head(self) -> bool:
        """A department head: accepts its units' reports."""
        return self.role == Role.HEAD

    def owns(self, unit_id: str) -> bool:
        """Whether ``unit_id`` is one of the account's units (or a predecessor of one)."""
        if unit_id in self.units:
            return True
        try:  # a department of a merged province inherits its predecessors' records
            return registry().successor(unit_id).id in self.units
        except UnitError:
            return False

    def can_read(self, unit_id: str) -> bool:
        """Whether this account may read ``unit_id``'s data."""
        return self.sees_all or (self.role in BOUND and self.owns(unit_id))

    def can_write(self, unit_id: str) -> bool:
        """Whether this account may enter or change ``unit_id``'s data (and submit them)."""
        return self.is_ministry or (self.role == Role.REPORTER and self.owns(unit_id))

    def acts_at(self, level: int, unit_id: str) -> bool:
        """Whether this account may act at approval ``level`` on ``unit_id``'s reports."""
        if level == Level.UNIT:
            return self.can_write(unit_id)
        if level == Level.PROVINCE:
            return self.role == Role.ADMIN or (self.is_head and self.owns(unit_id))
        return self.is_ministry

    def may_reply(self, unit_id: str) -> bool:
        """Whether this account takes part in ``unit_id``'s reports' threads (viewers read)."""
        return self.role != Role.VIEWER and self.can_read(unit_id)

    def scope(self) -> list[str] | None:
        """The units whose data this account reads (None: every unit): its own and their
        predecessors."""
        if self.sees_all:
            return None
        reg = registry()
        own = sorted(self.units)
        return own + sorted(p.id for u in own for p in reg.predecessors(u) if p.id != u)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (no secrets)."""
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "active": self.active,
            "lang": self.lang,
            "units": sorted(self.units),
            "email": self.email,
            "notices": self.notices,
        }
