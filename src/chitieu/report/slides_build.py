"""``build_slides``: the conference deck of a period, from the same facts as the report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from chitieu.analyze.facts import StoreLike
from chitieu.catalog.periods import Period
from chitieu.catalog.units import NATION_ID
from chitieu.errors import ChitieuError
from chitieu.report.build import make_context
from chitieu.report.render.pptx import write_pptx
from chitieu.report.slides import deck


def slides_stem(period: str, lang: str) -> str:
    """``slides-2023S1-vi``: the contract's name, whatever the unit (a province's deck goes to
    its own folder)."""
    return f"slides-{period}-{lang}"


def build_slides(
    store: StoreLike,
    period: str | Period,
    out_dir: Path,
    unit: str = NATION_ID,
    lang: str = "vi",
    template: Path | None = None,
    as_of: datetime | None = None,
    report_date: date | None = None,
    on_warning: Callable[[ChitieuError], None] | None = None,
) -> Path:
    """Write ``out_dir/slides-<period>-<lang>.pptx``; returns its path."""
    ctx = make_context(
        store, period, unit, lang, None, as_of, "current", report_date, on_warning, False
    )
    d = deck(ctx)
    target = Path(out_dir) / f"{slides_stem(ctx.period.id, lang)}.pptx"
    return write_pptx(d, target, template)


def write_slides(
    store: StoreLike,
    period: str | Period,
    out_dir: Path,
    unit: str = NATION_ID,
    lang: str = "vi",
    template: Path | None = None,
    as_of: datetime | None = None,
    report_date: date | None = None,
    on_warning: Callable[[ChitieuError], None] | None = None,
    pdf: bool = False,
    pdfa: bool = False,
) -> dict[str, Path]:
    """The deck (``pptx``) and with ``pdf`` its PDF by LibreOffice (``pdf``; PDF/A-2b with
    ``pdfa``), both in ``out_dir``; format → file."""
    if pdf:  # LibreOffice is looked for first: no deck written for a PDF that cannot be made
        from chitieu.report.render.office_pdf import office_pdf, soffice

        soffice()
    pptx = build_slides(
        store, period, out_dir, unit, lang, template, as_of, report_date, on_warning
    )
    out = {"pptx": pptx}
    if pdf:
        out["pdf"] = office_pdf(pptx, pptx.with_suffix(".pdf"), pdfa=pdfa)
    return out
