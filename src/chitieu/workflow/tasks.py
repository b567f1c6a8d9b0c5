"""Key tasks: import from CSV/XLSX, list, update; status computed against a report date.

The rules live here (columns and status words of a task file, defaults, ``overdue``); every
statement on the tables is ``chitieu.store.tasks``'.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from chitieu.catalog.messages import error_text
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import NATION_ID, TaskStatus
from chitieu.collect.reader import read_table
from chitieu.errors import ChitieuError, PeriodError, UnitError
from chitieu.store import tasks as repo
from chitieu.store.values import Store

OVERDUE = "overdue"
#: header names accepted in an import file (English and Vietnamese, diacritics optional)
HEADERS = {
    "code": ("code", "ma", "mã", "ma nhiem vu", "mã nhiệm vụ"),
    "period": ("period", "ky", "kỳ", "ky bao cao", "kỳ báo cáo"),
    "unit": (
        "unit",
        "reporting unit",
        "don vi",
        "đơn vị",
        "don vi bao cao",
        "đơn vị báo cáo",
        "ma don vi",
        "mã đơn vị",
        "tinh",
        "tỉnh",
    ),
    "title": ("title", "task", "nhiem vu", "nhiệm vụ"),
    "lead_unit": ("lead_unit", "lead unit", "don vi chu tri", "đơn vị chủ trì"),
    "deadline": ("deadline", "thoi han", "thời hạn"),
    "sector": ("sector", "linh vuc", "lĩnh vực"),
    "status": ("status", "trang thai", "trạng thái"),
    "progress": ("progress", "tien do", "tiến độ"),
    "source": ("source", "nguon", "nguồn"),
}
REQUIRED = ("period", "title", "lead_unit", "deadline")
STATUS_WORDS = {
    "not_started": "not_started",
    "chưa triển khai": "not_started",
    "": "not_started",
    "in_progress": "in_progress",
    "đang triển khai": "in_progress",
    "done": "done",
    "hoàn thành": "done",
    "đã hoàn thành": "done",
}


class TaskError(ChitieuError):
    """A task file or update is invalid (nothing was written)."""


@dataclass(frozen=True)
class Task:
    """A key task and its current state."""

    id: int
    code: str
    period: str
    unit: str  # the reporting unit whose task it is: VN (the ministry's) or a province's id
    title: str
    lead_unit: str
    deadline: date
    sector: str | None
    status: str
    progress: str | None
    completed_on: date | None
    source: str | None
    position: int

    def status_on(self, on: date) -> str:
        """not_started | in_progress | done | overdue, as of ``on``."""
        if self.status == TaskStatus.DONE:
            return str(TaskStatus.DONE)
        return OVERDUE if self.deadline < on else self.status

    def slipped(self, on: date) -> bool:
        """Done after its deadline, or overdue on ``on``."""
        if self.status == TaskStatus.DONE:
            return self.completed_on is not None and self.completed_on > self.deadline
        return self.deadline < on

    def to_dict(self, on: date | None = None) -> dict[str, Any]:
        """JSON-ready form, with the status as of ``on``."""
        d = dict(self.__dict__)
        if on is not None:
            d["status_on"] = self.status_on(on)
            d["slipped"] = self.slipped(on)
        return d


def parse_deadline(text: Any) -> date:
    """2023-11-30, 30/11/2023, 11/2023, 2023-11 (end of month) or a period id (its end)."""
    s = str(text).strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", s):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s):
        return date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(?:(\d{1,2})/(\d{4}))|(?:(\d{4})-(\d{1,2}))", s):
        y, mo = (int(m[2]), int(m[1])) if m[1] else (int(m[3]), int(m[4]))
        return date(y, mo, calendar.monthrange(y, mo)[1])
    return parse_period(s).end


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", str(text)).strip().lower()


def _columns(header: list[str], file: str) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        for field, names in HEADERS.items():
            if _key(h) in names:
                cols[field] = i
    missing = [f for f in REQUIRED if f not in cols]
    if missing:
        raise TaskError(
            f"{file}: missing column(s) {', '.join(missing)} (header: {', '.join(header)})",
            "the header needs period, title, lead_unit, deadline "
            "(optional: code, unit, sector, status, progress, source)",
        )
    return cols


def read_tasks(path: Path) -> list[dict[str, Any]]:
    """Rows of a task file, checked; a TaskError lists every problem (file, row, column)."""
    table = read_table(path)
    cols = _columns(table.header, table.file)
    problems: list[str] = []
    out: list[dict[str, Any]] = []
    for pos, (rownum, cells) in enumerate(table.rows, start=1):
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        out.append(_task_row(cells, cols, (table.file, rownum), pos, problems))
    codes = [r["code"] for r in out]
    for c in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"{table.file}: code '{c}' appears more than once; codes must be unique")
    if problems:
        raise TaskError(
            f"{table.file}: {len(problems)} problem(s), nothing was imported:\n  - "
            + "\n  - ".join(problems),
            "fix the rows named above and import the file again",
        )
    return out


def _task_row(
    cells: list[Any], cols: dict[str, int], place: tuple[str, int], pos: int, problems: list[str]
) -> dict[str, Any]:
    """One row of a task file (its ``pos``-th task), its problems added to ``problems``."""
    where = f"{place[0]}, row {place[1]}"

    def cell(field: str) -> str:
        i = cols.get(field)
        v = cells[i] if i is not None and i < len(cells) else None
        return "" if v is None else unicodedata.normalize("NFC", str(v)).strip()

    row: dict[str, Any] = {f: cell(f) or None for f in HEADERS}
    for f in ("title", "lead_unit"):
        if not row[f]:
            problems.append(f"{where}, column '{f}': empty; write the {f.replace('_', ' ')}")
    try:
        row["period"] = parse_period(cell("period")).id
    except PeriodError:
        problems.append(
            f"{where}, column 'period': '{cell('period')}' is not a period; "
            "write e.g. 2023S2, 2023, 2023Q4"
        )
    try:
        row["deadline"] = parse_deadline(cell("deadline"))
    except (PeriodError, ValueError):
        problems.append(
            f"{where}, column 'deadline': '{cell('deadline')}' is not a date; "
            "write 2023-11-30, 30/11/2023, 11/2023 or a period id"
        )
    row["unit"] = _unit(cell("unit"), row["period"], place, problems)
    status = STATUS_WORDS.get(_key(cell("status")))
    if status is None:
        problems.append(
            f"{where}, column 'status': '{cell('status')}' is not a status; "
            "write not_started, in_progress or done"
        )
    row["status"] = status
    row["code"] = row["code"] or f"{row['period']}-{pos:02d}"
    row["position"] = pos
    return row


def _unit(text: str, period: str | None, place: tuple[str, int], problems: list[str]) -> str:
    """The unit a row's task belongs to, resolved like every unit for the end of its period
    (empty: the ministry's, ``VN``); a problem in both languages naming row and column."""
    if not text:
        return NATION_ID
    try:
        on = parse_period(period or "").end
    except PeriodError:
        return text  # the period's problem is told already
    try:
        return registry().resolve(text, on).id
    except UnitError as e:
        told = []
        for lang in ("en", "vi"):
            msg, hint = e.text(lang)
            params = {"file": place[0], "row": place[1], "column": "unit", "problem": msg}
            told.append(
                "{} ({})".format(*error_text("task-file-unit", {**params, "hint": hint}, lang))
            )
        problems.append(" / ".join(told))
        return text


def belongs(task_unit: str, unit: str) -> bool:
    """Whether a task set for ``task_unit`` is ``unit``'s: the same unit, or one ``unit``
    contains on its own boundaries (the tasks of An Giang and Kiên Giang set before the
    merger are today's An Giang's; the ministry's, ``VN``, are the nation's only)."""
    if task_unit == unit:
        return True
    if NATION_ID in (task_unit, unit):
        return False
    reg = registry()
    try:
        return reg.on_boundaries(task_unit, reg.get(unit).system) == unit
    except UnitError:
        return False


def _task(row: dict[str, Any]) -> Task:
    return Task(**{f: row[f] for f in Task.__dataclass_fields__})


class KeyTasks:
    """Key tasks kept in a store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def import_rows(self, rows: list[dict[str, Any]], by: str) -> tuple[int, int]:
        """Insert new tasks and update known codes, in one transaction: (created, updated)."""
        values = [
            {
                **{k: r.get(k) for k in ("period", "title", "lead_unit", "deadline")},
                "unit": r.get("unit") or NATION_ID,
                "sector": r.get("sector"),
                "source": r.get("source"),
                "status": r.get("status") or TaskStatus.NOT_STARTED,
                "progress": r.get("progress"),
                "position": r.get("position", 0),
                "code": r["code"],
            }
            for r in rows
        ]
        return repo.save_tasks(self.store, values, by)

    def import_file(self, path: Path, by: str, dry_run: bool = False) -> dict[str, Any]:
        """Check a task file and (unless ``dry_run``) store it."""
        rows = read_tasks(path)
        created, updated = (0, 0) if dry_run else self.import_rows(rows, by)
        return {"file": str(path), "rows": len(rows), "created": created, "updated": updated}

    def list(
        self, period: str | Period | None = None, within: bool = False, unit: str | None = None
    ) -> list[Task]:
        """Tasks of ``period`` (or, with ``within``, of any period it contains); of ``unit``
        only, if given (a unit id, :func:`belongs`)."""
        tasks = [_task(r) for r in repo.task_rows(self.store)]
        if unit is not None:
            tasks = [t for t in tasks if belongs(t.unit, unit)]
        if period is None:
            return tasks
        p = parse_period(str(period))
        if within:
            return [t for t in tasks if p.contains(parse_period(t.period))]
        return [t for t in tasks if t.period == p.id]

    def get(self, ref: str) -> Task:
        """A task by id or code."""
        if str(ref).isdigit():
            row = repo.find_task(self.store, task_id=int(ref))
        else:
            row = repo.find_task(self.store, code=str(ref))
        if row is None:
            raise TaskError(f"no task '{ref}'", "see `chitieu tasks list` for ids and codes")
        return _task(row)

    def update(
        self,
        ref: str,
        by: str,
        status: str | None = None,
        progress: str | None = None,
        completed_on: date | None = None,
    ) -> Task:
        """Change a task's status / progress note (recorded as an event)."""
        t = self.get(ref)
        if status is not None:
            status = STATUS_WORDS.get(_key(status))
            if status is None:
                raise TaskError("unknown status", "use not_started, in_progress or done")
        changes: dict[str, Any] = {}
        if status is not None:
            changes["status"] = status
            if status == TaskStatus.DONE:
                changes["completed_on"] = completed_on or t.completed_on or date.today()
            else:
                changes["completed_on"] = None
        elif completed_on is not None:
            changes["completed_on"] = completed_on
        if progress is not None:
            changes["progress"] = progress
        repo.change_task(self.store, t.id, by, changes)
        return self.get(str(t.id))
