"""The review as adopted: an **edition** freezes what was issued — the as-of instant, the
options, the facts, each file with its SHA-256 — so that it can be made again exactly.

``issue_edition`` writes the report (its PDF as PDF/A-2b, by WeasyPrint) and the conference
deck (PPTX, and its PDF/A by LibreOffice) as of one instant, settles the Office files' times
to that instant, hashes every file, compares the facts with the previous edition of the same
period, unit and language (a correction says which facts changed) and records the edition.
``reproduce_edition`` makes the files again with the edition's instant and options and says,
file by file, whether they are the same.

Both build in one folder named by the edition's key (period, unit, language, instant) under
the system's temporary folder, locked while in use: WeasyPrint names a PDF's images after their
paths, so the same path gives the same bytes. The files are then moved to ``out_dir``. This
module reads and records editions through ``records`` (store/editions.py's ``EditionRecords``;
report/ imports no store).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from chitieu.analyze.facts import StoreLike
from chitieu.atomic import atomic_path
from chitieu.catalog.periods import parse_period
from chitieu.catalog.units import NATION_ID, registry
from chitieu.clock import now, today
from chitieu.errors import ChitieuError, NotFound
from chitieu.report.edition_files import compare, settle_and_describe
from chitieu.report.render.base import default_names

#: the PDF of an edition: PDF/A-2b (ISO 19005-2), the archive's format
PDFA = "pdf/a-2b"
#: the fields of a fact whose change a correction reports (the rest follow from them)
_FIELDS = ("value", "kind", "status", "change_pct", "plan_pct", "coverage", "withheld")


class Records(Protocol):
    """Where editions are kept (store/editions.py's ``EditionRecords``)."""

    def add(self, row: dict[str, Any]) -> int: ...
    def latest(self, period: str, unit: str, lang: str) -> Any: ...
    def get(self, number: int) -> Any: ...
    def list(self, period: str | None = None) -> list[Any]: ...


@dataclass(frozen=True)
class Request:
    """What an edition is made of: the report's options, frozen with it."""

    period: str
    unit: str = NATION_ID
    lang: str = "vi"
    formats: tuple[str, ...] = field(default_factory=lambda: tuple(default_names()))
    boundaries: str = "current"
    report_date: date | None = None
    benchmark: bool | None = None
    slides: bool = True
    templates: str | None = None  # the report's own templates folder, if any

    def options(self) -> dict[str, Any]:
        """As stored (JSON)."""
        return {
            "formats": list(self.formats),
            "boundaries": self.boundaries,
            "report_date": self.report_date.isoformat() if self.report_date else None,
            "benchmark": self.benchmark,
            "slides": self.slides,
            "templates": self.templates,
        }

    @classmethod
    def of(cls, period: str, unit: str, lang: str, options: dict[str, Any]) -> Request:
        """The request a stored edition was made with."""
        day = options.get("report_date")
        return cls(
            period,
            unit,
            lang,
            tuple(options["formats"]),
            options["boundaries"],
            date.fromisoformat(day) if day else None,
            options.get("benchmark"),
            bool(options.get("slides", True)),
            options.get("templates"),
        )


@dataclass
class Made:
    """Files made for an edition: where they are and what they hold."""

    files: dict[str, Path]
    described: list[dict[str, Any]]
    facts: dict[str, Any]
    facts_sha256: str


def _key(req: Request, unit: str, as_of: datetime) -> str:
    return f"{req.period}-{unit.replace('@', '_')}-{req.lang}-{as_of:%Y%m%dT%H%M%S%f}"


@contextmanager
def _workbench(key: str) -> Iterator[Path]:
    """The edition's own folder (same key, same path), empty, locked while in use."""
    base = Path(tempfile.gettempdir()) / "chitieu-editions"
    base.mkdir(exist_ok=True)
    with (base / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder = base / key
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _make(
    store: StoreLike,
    req: Request,
    as_of: datetime,
    folder: Path,
    on_warning: Callable[[ChitieuError], None] | None,
) -> Made:
    """Write the report and the deck of ``req`` as of ``as_of`` into ``folder``."""
    from chitieu.report.build import build_report

    written = build_report(
        store,
        req.period,
        unit=req.unit,
        lang=req.lang,
        formats=req.formats,
        out_dir=folder,
        templates=Path(req.templates) if req.templates else None,
        as_of=as_of,
        boundaries=req.boundaries,
        report_date=req.report_date,
        on_warning=on_warning,
        benchmark=req.benchmark,
        pdf_variant=PDFA,
    )
    if req.slides:
        from chitieu.report.slides_build import write_slides

        deck = write_slides(
            store,
            req.period,
            folder,
            unit=req.unit,
            lang=req.lang,
            as_of=as_of,
            report_date=req.report_date,
            pdf=True,
            pdfa=True,
        )
        written.update({f"slides.{k}": v for k, v in deck.items()})
    raw = written["facts"].read_bytes()
    described = settle_and_describe(folder, as_of)
    return Made(written, described, json.loads(raw), hashlib.sha256(raw).hexdigest())


def _fact_key(f: dict[str, Any]) -> tuple[str, str, str]:
    return (str(f.get("indicator")), str(f.get("unit")), str(f.get("period")))


def fact_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """The facts of ``after`` that differ from ``before`` (the previous edition's): each
    indicator, unit, period and field, with its value then and now; a fact only one side has
    is listed with its value (``None`` on the other side)."""
    if before is None:
        return []
    old = {_fact_key(f): f for f in before.get("facts", [])}
    new = {_fact_key(f): f for f in after.get("facts", [])}
    out = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        fields = _FIELDS if a and b else ("value",)
        for name in fields:
            was, now_ = (a or {}).get(name), (b or {}).get(name)
            if was != now_:
                out.append(
                    {
                        "indicator": key[0],
                        "unit": key[1],
                        "period": key[2],
                        "field": name,
                        "before": was,
                        "after": now_,
                    }
                )
    return out


def _move(folder: Path, out_dir: Path, made: Made) -> dict[str, Path]:
    """Every file of the folder moved to the same place under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in made.described:
        with atomic_path(out_dir / f["name"]) as tmp:  # each whole or not at all
            shutil.copyfile(folder / f["name"], tmp)
    return {k: out_dir / v.relative_to(folder) for k, v in made.files.items()}


@dataclass
class Issued:
    """An edition just recorded: its number, its files, what changed since the previous one."""

    number: int
    previous: int | None
    as_of: datetime
    files: dict[str, Path]
    described: list[dict[str, Any]]
    changes: list[dict[str, Any]]


def issue_edition(
    store: StoreLike,
    records: Records,
    req: Request,
    out_dir: Path,
    as_of: datetime | None = None,
    by: str = "cli",
    note: str = "",
    on_warning: Callable[[ChitieuError], None] | None = None,
) -> Issued:
    """Write and record an edition of ``req`` as of ``as_of`` (default: now); its files go to
    ``out_dir``. A second edition of the same period, unit and language is a correction: it
    names the one it corrects and the facts that changed."""
    from chitieu.catalog.unit_scope import report_scope
    from chitieu.catalog.vocabulary import Boundaries

    if req.slides:  # LibreOffice is looked for first: nothing is made for a deck without PDF
        from chitieu.report.render.office_pdf import soffice

        soffice()
    when = as_of or now()
    req = req if req.report_date else replace(req, report_date=today())
    p, b = parse_period(req.period), Boundaries(req.boundaries)
    unit = report_scope(req.unit, p, b, registry()).unit.id
    with _workbench(_key(req, unit, when)) as folder:
        made = _make(store, req, when, folder, on_warning)
        files = _move(folder, Path(out_dir), made)
    previous = records.latest(req.period, unit, req.lang)
    changes = fact_changes(previous.facts if previous else None, made.facts)
    number = records.add(
        {
            "period": req.period,
            "unit": unit,
            "lang": req.lang,
            "as_of": when,
            "issued_at": now(),
            "issued_by": by,
            "note": note,
            "options": req.options(),
            "facts": made.facts,
            "facts_sha256": made.facts_sha256,
            "files": made.described,
            "previous_id": previous.id if previous else None,
            "changes": changes,
        }
    )
    return Issued(number, previous.id if previous else None, when, files, made.described, changes)


@dataclass
class Reproduced:
    """An edition made again: each file's comparison and the facts that differ."""

    number: int
    files: list[dict[str, Any]]
    facts: list[dict[str, Any]]
    out_dir: Path

    @property
    def same(self) -> bool:
        """Every file the same (a PDF at least in content) and the same facts."""
        ok = {"same", "same-content"}
        return not self.facts and all(f["status"] in ok for f in self.files)


def find_edition(records: Records, number: int) -> Any:
    """Edition ``number``; NotFound (exit 2, HTTP 404) if there is none."""
    e = records.get(number)
    if e is None:
        raise NotFound(code="edition-unknown", number=number)
    return e


def reproduce_edition(store: StoreLike, records: Records, number: int, out_dir: Path) -> Reproduced:
    """Make edition ``number`` again (its instant, its options) into ``out_dir`` and compare."""
    e = find_edition(records, number)
    req = Request.of(e.period, e.unit, e.lang, e.options)
    with _workbench(_key(req, e.unit, e.as_of)) as folder:
        made = _make(store, req, e.as_of, folder, None)
        _move(folder, Path(out_dir), made)
    return Reproduced(
        number, compare(e.files, made.described), fact_changes(e.facts, made.facts), out_dir
    )
