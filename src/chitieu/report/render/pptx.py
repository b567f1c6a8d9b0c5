"""The conference deck as PPTX (python-pptx): 16:9, native editable charts, labels as written.

Each chart is a real PowerPoint chart (its data sheet editable in PowerPoint or Impress), its
value axis from zero, and every data label the fact table's text ("1.614.206", "(ước)"), not a
number format that a computer's locale would render as "1,614,206". A ``--template`` deck lends
its masters, layouts, logo and fonts; its own slides are left out.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.exc import PythonPptxError
from pptx.util import Emu, Pt

from chitieu.atomic import atomic_path
from chitieu.errors import ChitieuError
from chitieu.report.slides import Deck, Figure, Slide, SlideChart

#: 16:9 at PowerPoint's default width (33,867 cm × 19,05 cm)
WIDTH, HEIGHT = Emu(12192000), Emu(6858000)
MARGIN = Emu(457200)  # 1,27 cm
TITLE_H = Emu(1005840)


class SlidesError(ChitieuError):
    """A deck cannot be made as asked (its template cannot be read)."""

    exit_code = 2


_LAYOUTS = {"title": ("Title Slide", 0), "body": ("Title Only", 5), "closing": ("Title Slide", 0)}


def _layout(prs: Any, kind: str) -> Any:
    """The template's layout for ``kind``: by its name, else by PowerPoint's default index."""
    name, index = _LAYOUTS.get(kind, _LAYOUTS["body"])
    for layout in prs.slide_layouts:
        if layout.name == name:
            return layout
    layouts = list(prs.slide_layouts)
    return layouts[min(index, len(layouts) - 1)]


def _drop_slides(prs: Any) -> None:
    """Leave out a template's own slides (their parts stay unreferenced and are not saved)."""
    ids = prs.slides._sldIdLst
    for sld in list(ids):
        prs.part.drop_rel(sld.rId)
        ids.remove(sld)


def _presentation(template: Path | None) -> Any:
    if template is None:
        prs = Presentation()
        prs.slide_width, prs.slide_height = WIDTH, HEIGHT
        return prs
    try:
        prs = Presentation(str(template))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, PythonPptxError) as exc:
        raise SlidesError(code="slides-template-unreadable", file=str(template)) from exc
    _drop_slides(prs)
    return prs


def _set_title(slide: Any, prs: Any, text: str) -> None:
    title = slide.shapes.title
    if title is None:
        box = slide.shapes.add_textbox(MARGIN, MARGIN // 2, prs.slide_width - 2 * MARGIN, TITLE_H)
        box.text_frame.text = text
        box.text_frame.paragraphs[0].runs[0].font.size = Pt(30)
        return
    title.text = text
    title.left, title.top = MARGIN, MARGIN // 2
    title.width, title.height = prs.slide_width - 2 * MARGIN, TITLE_H
    title.text_frame.paragraphs[0].runs[0].font.size = Pt(30)


def _text(slide: Any, box: tuple[int, int, int, int], lines: list[str], size: int) -> Any:
    shape = slide.shapes.add_textbox(*box)
    tf = shape.text_frame
    tf.word_wrap = True
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = line
        for r in p.runs:
            r.font.size = Pt(size)
    return shape


def _body(prs: Any) -> tuple[int, int, int, int]:
    top = MARGIN // 2 + TITLE_H
    return MARGIN, top, prs.slide_width - 2 * MARGIN, prs.slide_height - top - MARGIN // 2


def _cover(prs: Any, s: Slide) -> None:
    slide = prs.slides.add_slide(_layout(prs, s.kind))
    if slide.shapes.title is not None:
        slide.shapes.title.text = s.title
    else:
        _set_title(slide, prs, s.title)
    sub = [ph for ph in slide.placeholders if ph.placeholder_format.idx == 1]
    if sub:
        sub[0].text = s.subtitle
    elif s.subtitle:
        x, y, cx, cy = _body(prs)
        _text(slide, (x, y + cy // 2, cx, cy // 2), s.subtitle.split("\n"), 20)


def _figure(slide: Any, box: tuple[int, int, int, int], f: Figure) -> None:
    shape = _text(slide, box, [f.name, f.value, f.measure, *f.notes], 16)
    paras = shape.text_frame.paragraphs
    for r in paras[1].runs:
        r.font.size, r.font.bold = Pt(36), True


def _figures(prs: Any, s: Slide) -> None:
    slide = prs.slides.add_slide(_layout(prs, "body"))
    _set_title(slide, prs, s.title)
    x, y, cx, cy = _body(prs)
    cols = 2 if len(s.figures) > 2 else len(s.figures) or 1
    rows = (len(s.figures) + cols - 1) // cols
    w, h = cx // cols, cy // max(rows, 1)
    for i, f in enumerate(s.figures):
        r, c = divmod(i, cols)
        _figure(slide, (x + c * w, y + r * h, w - MARGIN // 4, h - MARGIN // 4), f)


def _chart_data(spec: SlideChart) -> CategoryChartData:
    data = CategoryChartData(number_format="#,##0.##")
    data.categories = spec.categories
    for ser in spec.series:
        data.add_series(ser.name, ser.values)
    return data


def _add_chart(slide: Any, box: tuple[int, int, int, int], spec: SlideChart) -> Any:
    kind = XL_CHART_TYPE.BAR_CLUSTERED if spec.kind == "barh" else XL_CHART_TYPE.COLUMN_CLUSTERED
    chart = slide.shapes.add_chart(kind, *box, _chart_data(spec)).chart
    axis = chart.value_axis
    axis.minimum_scale = 0  # from zero: a bar's length is its value
    axis.has_major_gridlines = True
    axis.tick_labels.font.size = Pt(11)
    chart.category_axis.tick_labels.font.size = Pt(11)
    if spec.kind == "barh":
        chart.category_axis.reverse_order = True  # the first ranked on top
    chart.has_legend = len(spec.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    for ser, plot_ser in zip(spec.series, chart.plots[0].series, strict=True):
        for j, label in enumerate(ser.labels):
            if not label or ser.values[j] is None:
                continue
            dl = plot_ser.points[j].data_label
            dl.text_frame.text = label
            dl.text_frame.paragraphs[0].runs[0].font.size = Pt(11)
            dl.position = XL_LABEL_POSITION.OUTSIDE_END
    return chart


def _chart(prs: Any, s: Slide) -> None:
    slide = prs.slides.add_slide(_layout(prs, "body"))
    _set_title(slide, prs, s.title)
    x, y, cx, cy = _body(prs)
    if s.chart is None:
        _text(slide, (x, y, cx, cy), s.lines, 18)
        return
    if s.lines and s.chart.kind != "barh":
        side = cx // 3
        _text(slide, (x, y, side, cy), s.lines, 14)
        _add_chart(slide, (x + side, y, cx - side, cy), s.chart)
        return
    note = Emu(457200) if s.lines else 0
    _add_chart(slide, (x, y, cx, cy - note), s.chart)
    if s.lines:
        _text(slide, (x, y + cy - note, cx, note), s.lines, 12)


def _list(prs: Any, s: Slide) -> None:
    slide = prs.slides.add_slide(_layout(prs, "body"))
    _set_title(slide, prs, s.title)
    x, y, cx, cy = _body(prs)
    _text(slide, (x, y, cx, cy), [f"• {line}" for line in s.lines], 20)


_WRITERS = {"title": _cover, "closing": _cover, "figures": _figures, "chart": _chart}


def write_pptx(d: Deck, target: Path, template: Path | None = None) -> Path:
    """Write the deck to ``target`` (whole or not at all)."""
    prs = _presentation(template)
    for s in d.slides:
        _WRITERS.get(s.kind, _list)(prs, s)
    prs.core_properties.title = d.slides[0].title if d.slides else d.period
    prs.core_properties.language = "vi-VN" if d.lang == "vi" else "en-GB"
    with atomic_path(target) as tmp:
        prs.save(str(tmp))
    return target
