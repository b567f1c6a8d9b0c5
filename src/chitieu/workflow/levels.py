"""How many approval levels a form's reports go through: the catalog's default
(``approval_levels`` in forms.yaml: 2 — the province's department head accepts, then the
ministry approves; 1 — the ministry approves), or an administrator's override stored in the
database (``approval_setting``: append-only, so every change is its own audit with who, when and
why; part of the data version, so what depends on it is recomputed).

A report reads its form's levels in the same statement as its state (``store.workflow.
form_state``); a change applies to every report of the form from its next step on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chitieu.catalog.forms import Form
from chitieu.catalog.vocabulary import Role
from chitieu.store import workflow as repo
from chitieu.store.db import utcnow
from chitieu.store.values import Store
from chitieu.workflow.admin import record
from chitieu.workflow.errors import WorkflowForbidden, WorkflowInvalid
from chitieu.workflow.roles import Account

LEVELS = (1, 2)


def levels_of(store: Store, form: Form) -> int:
    """The approval levels in force for ``form``."""
    with store.read_conn() as conn:
        got = repo.approval_overrides(conn).get(form.code)
    return got if got is not None else form.approval_levels


def levels_of_all(store: Store, forms: list[Form]) -> dict[str, int]:
    """The approval levels in force for each of ``forms``, by code (one read)."""
    with store.read_conn() as conn:
        over = repo.approval_overrides(conn)
    return {f.code: over.get(f.code) or f.approval_levels for f in forms}


def parse_levels(text: str | int | None) -> int | None:
    """``1``, ``2``, or ``default`` / empty / None (back to the catalog's)."""
    if text is None or str(text).strip().lower() in ("", "default", "catalog"):
        return None
    try:
        n = int(str(text).strip())
    except ValueError:
        n = 0
    if n not in LEVELS:
        raise WorkflowInvalid("workflow-levels-invalid", levels=text)
    return n


def set_levels(
    store: Store, acc: Account, form: Form, levels: int | None, comment: str | None = None
) -> int:
    """An administrator sets ``form``'s approval levels (None: back to the catalog's); the
    levels in force after."""
    if acc.role != Role.ADMIN:
        raise WorkflowForbidden("workflow-levels-admin")
    if levels is not None and levels not in LEVELS:
        raise WorkflowInvalid("workflow-levels-invalid", levels=levels)
    with store.transaction() as conn:
        repo.set_approval(conn, form.code, levels, utcnow(), acc.username, comment)
    record(store, acc.username, "levels", form.code, "default" if levels is None else str(levels))
    return levels_of(store, form)


@dataclass(frozen=True)
class Change:
    """One override of a form's approval levels."""

    at: datetime
    actor: str
    levels: int | None
    comment: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"at": self.at, "actor": self.actor, "levels": self.levels, "comment": self.comment}


def history(store: Store, form: Form) -> list[Change]:
    """Every override of ``form``'s approval levels, newest first."""
    with store.read_conn() as conn:
        rows = repo.approval_history(conn, form.code)
    return [Change(r["at"], r["actor"], r["levels"], r["comment"]) for r in rows]
