"""CLI: `chitieu revisions` — revisions stated and measured (issue 17, item 4)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import parse_period
from chitieu.catalog.units import NATION_ID, registry
from chitieu.cli.common import (
    AsOfOption,
    DbOption,
    JsonOption,
    LangOption,
    as_of_of,
    console,
    handle_errors,
    open_store,
    print_json,
    safe,
    say,
)
from chitieu.clock import today
from chitieu.errors import ChitieuError
from chitieu.fmt import format_number, format_pct


def _n(v: float | None, lang: str, decimals: int = 0) -> str:
    return "" if v is None else format_number(v, decimals, lang)


@handle_errors
def revisions_cmd(
    indicator: Annotated[
        str | None, typer.Option("--indicator", "-i", help="Indicator code (default: every one).")
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", "-u", help="Unit (VN = nation, the default; --accuracy: all)."),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", "-p", help="One figure's period (default: every stored one)."),
    ] = None,
    accuracy: Annotated[
        bool,
        typer.Option(
            "--accuracy",
            help="How close each unit's own estimates ('ước') came to its actuals: mean "
            "revision and mean absolute revision per unit and indicator, and which are biased.",
        ),
    ] = False,
    triangle: Annotated[
        bool,
        typer.Option(
            "--triangle", help="Revision triangle over the periods of --period-type with data."
        ),
    ] = False,
    period_type: Annotated[
        str, typer.Option("--period-type", help="Periods of the triangle: half, year, quarter.")
    ] = "half",
    as_of: AsOfOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Revisions stated and measured: each release of a figure (what a review showed after
    each write) with its revision against the previous release and against the first, in
    value and %; the vintages behind it; the note a report prints ("điều chỉnh từ X xuống Y
    tỷ đồng (−Z; −W%)"). Without --period, every stored period of the figure; with
    --accuracy, the estimate-accuracy table (estimate → actual, OECD's mean revision and
    mean absolute revision); with --triangle, the revision triangle."""
    from chitieu.analyze import revisions as rv

    cat = catalog()
    codes = [cat.get(indicator).code] if indicator else None
    store, when = open_store(db), as_of_of(as_of)
    on = parse_period(period).end if period else today()
    unit_id = registry().resolve(unit, on).id if unit else None
    if accuracy:
        _accuracy(store, codes, unit_id, when, as_json, lang)
        return
    unit_id = unit_id or NATION_ID
    if triangle:
        if codes is None:
            raise typer.BadParameter("give the indicator of the triangle", param_hint="--indicator")
        periods = [q for q in rv.found_periods(store, codes[0], unit_id, when)
                   if str(parse_period(q).type) == period_type]  # fmt: skip
        tri = rv.triangle(store, codes[0], unit_id, periods, when)
        if as_json:
            print_json(tri.to_dict())
            return
        _print_triangle(tri, cat.get(codes[0]).decimals, lang)
        return
    figures = []
    for code in codes or [i.code for i in cat if not i.is_derived]:
        periods = (
            [parse_period(period).id] if period else rv.found_periods(store, code, unit_id, when)
        )
        for q in periods:
            res = rv.revisions(store, code, unit_id, q, when)
            figures.append((res, rv.note_of(res.releases, code, lang)))
    if as_json:
        out = [{**r.to_dict(), "note": note} for r, note in figures]
        print_json(out[0] if period and codes else {"unit": unit_id, "figures": out})
        return
    if period and codes:
        _print_figure(*figures[0], lang)
    else:
        _print_figures(figures, lang)


def _when(at: Any, lang: str) -> str:
    from chitieu.catalog.instants import show

    return show(at, lang)


def _rev(x: float | None, pct: float | None, lang: str, decimals: int) -> str:
    if x is None:
        return ""
    text = format_number(x, decimals, lang).replace("-", "\u2212")
    text = ("+" if x > 0 else "") + text
    return text if pct is None else f"{text}; {format_pct(pct, 2, lang, sign=True)}%"


def _print_figure(res: Any, note: str | None, lang: str) -> None:
    """One figure: its vintages, its releases with their revisions, the note."""
    ind = catalog().get(res.indicator)
    dec = ind.decimals
    t = Table(title=f"{ind.code} — {res.unit} — {res.period}: vintages")
    for col in ("recorded", "value", "kind", "status", "source", "who", "method"):
        t.add_column(col, justify="right" if col == "value" else "left")
    for o in res.vintages:
        t.add_row(_when(o.created_at, lang), _n(o.value, lang, dec), o.kind, o.status,
                  safe(o.source or ""), safe(o.created_by), o.method or "")  # fmt: skip
    console.print(t)
    r = Table(title="releases (the figure a review showed after each change) and revisions")
    for col in ("recorded", "value", "kind", "units", "vs previous", "vs first release",
                "batch", "who"):  # fmt: skip
        r.add_column(col, justify="left" if col in ("recorded", "kind", "who") else "right")
    for x in res.releases:
        r.add_row(_when(x.at, lang), _n(x.value, lang, dec), x.kind or "", str(x.units),
                  _rev(x.vs_previous, x.vs_previous_pct, lang, dec),
                  _rev(x.vs_first, x.vs_first_pct, lang, dec), str(x.batch_id),
                  safe(x.created_by))  # fmt: skip
    console.print(r)
    if note:
        console.print(f"{say('cli-note', lang)}: {note}")


def _print_figures(figures: list[Any], lang: str) -> None:
    """Every figure found: first release, latest, revision since the first and the last."""
    if not figures:
        console.print(say("cli-no-figures-stored", lang))
        return
    t = Table(title=f"revisions — {figures[0][0].unit}")
    for col in ("indicator", "period", "releases", "first release", "latest",
                "since first release", "last revision"):  # fmt: skip
        t.add_column(col, justify="left" if col in ("indicator", "period") else "right")
    for res, _ in figures:
        first, last = res.first, res.latest
        if first is None or last is None:
            continue
        dec = catalog().get(res.indicator).decimals
        total = rv_revision(last.value, first.value)
        t.add_row(res.indicator, res.period, str(len(res.releases)),
                  f"{_n(first.value, lang, dec)} ({_when(first.at, lang)})",
                  f"{_n(last.value, lang, dec)} ({_when(last.at, lang)})",
                  _rev(*total, lang, dec), _rev(last.vs_previous, last.vs_previous_pct, lang, dec),
                  )  # fmt: skip
    console.print(t)
    for res, note in figures:
        if note:
            console.print(f"{res.indicator} {res.period}: {note}")


def rv_revision(new: float | None, old: float | None) -> tuple[float | None, float | None]:
    from chitieu.analyze.revisions import revision

    return revision(new, old)


def _accuracy(
    store: Any, codes: list[str] | None, unit: str | None, when: Any, as_json: bool, lang: str
) -> None:
    """The estimate-accuracy table."""
    from chitieu.analyze.accuracy import accuracy

    rows = accuracy(store, codes, [unit] if unit else None, as_of=when)
    if as_json:
        print_json({"accuracy": [a.to_dict() for a in rows]})
        return
    if not rows:
        console.print(say("cli-no-accuracy", lang))
        return
    t = Table(title="estimate → actual (revision = actual − estimate)")
    for col in ("indicator", "unit", "periods", "mean revision", "mean abs. revision",
                "mean revision %", "mean abs. %", "biased"):  # fmt: skip
        t.add_column(col, justify="left" if col in ("indicator", "unit") else "right")
    for a in rows:
        dec = catalog().get(a.indicator).decimals
        word = say(f"cli-bias-{a.direction}", lang) if a.direction in ("low", "high") else ""
        t.add_row(a.indicator, a.unit, str(a.n), _rev(a.mean_revision, None, lang, dec),
                  _n(a.mean_abs_revision, lang, dec),
                  format_pct(a.mean_revision_pct or 0, 2, lang, sign=True),
                  format_pct(a.mean_abs_revision_pct or 0, 2, lang),
                  f"[red]{word}[/]" if a.biased else "")  # fmt: skip
    console.print(t)


def _print_triangle(tri: Any, decimals: int, lang: str) -> None:
    if not tri.first:
        raise ChitieuError(
            f"no releases of {tri.indicator} for {tri.unit}", "load data first (chitieu demo)"
        )
    t = Table(title=f"{tri.indicator} — {tri.unit}: revision triangle (period × release)")
    t.add_column("period")
    for d in tri.releases:
        t.add_column(f"{d:%d/%m/%Y}", justify="right")
    t.add_column("revision", justify="right")
    for p, vals in tri.rows.items():
        rev = tri.revisions.get(p)
        t.add_row(p, *[_n(v, lang, decimals) for v in vals],
                  "" if rev is None else format_number(rev, decimals, lang))  # fmt: skip
    console.print(t)
    mr, mar, rel = tri.mean_revision or 0.0, tri.mean_abs_revision or 0.0, tri.relative_mar
    console.print(
        f"mean revision {format_pct(mr, 2, lang, sign=True)}, mean absolute revision "
        f"{format_pct(mar, 2, lang)}, relative MAR {format_pct(rel or 0, 2, lang)}%"
    )
