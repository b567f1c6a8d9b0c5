"""DOCX laid out as a Vietnamese administrative document (Decree 30/2020/NĐ-CP, Annex I).

A4; margins top 20 mm, bottom 20 mm, left 30 mm, right 15 mm; Times New Roman (LibreOffice
substitutes its metric twin Liberation Serif) 14 pt body, justified, first line indented
1,27 cm, 6 pt after each paragraph; the heading block as a borderless two-column table
(issuer and number left; national motto, rule and place/date right); page numbers centred
in the header from page 2. A ``reference.docx`` in --templates DIR supplies the styles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document as new_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from chitieu.report.model import BulletList, Chart, Document, Heading, Paragraph, Table
from chitieu.report.render.base import RenderJob

FONT = "Times New Roman"
BODY_PT = 14


def _font(run: Any, size: float | None = None, bold: bool = False, italic: bool = False) -> None:
    """Size and weight of a run (the typeface comes from the Normal style)."""
    if size and size != BODY_PT:
        run.font.size = Pt(size)
    if bold:
        run.bold = True
    if italic:
        run.italic = True


def _para(
    container: Any,
    text: str = "",
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    align: Any = None,
    indent: bool = False,
    after: float = 0,
) -> Any:
    p = container.add_paragraph()
    if text:
        _font(p.add_run(text), size, bold, italic)
    pf = p.paragraph_format
    pf.space_after = Pt(after)
    pf.space_before = Pt(0)
    if align is not None:
        p.alignment = align
    if indent:
        pf.first_line_indent = Cm(1.27)
    return p


def _rule(container: Any, width_cm: float, cell_cm: float) -> None:
    """A centred horizontal line ``width_cm`` long (a bottom border on an indented paragraph)."""
    p = _para(container, "", size=4, align=WD_ALIGN_PARAGRAPH.CENTER, after=2)
    side = max(0.0, (cell_cm - width_cm) / 2)
    p.paragraph_format.left_indent = Cm(side)
    p.paragraph_format.right_indent = Cm(side)
    ppr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    bdr.append(bottom)
    ppr.append(bdr)


def _no_borders(table: Any) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def _page_number(section: Any) -> None:
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    _font(run, 13)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _heading_block(d: Any, doc: Document) -> None:
    m = doc.meta
    t = d.add_table(rows=1, cols=2)
    _no_borders(t)
    left, right = t.rows[0].cells
    left.width, right.width = Cm(7.0), Cm(9.5)
    left.paragraphs[0]._p.getparent().remove(left.paragraphs[0]._p)
    right.paragraphs[0]._p.getparent().remove(right.paragraphs[0]._p)
    center = WD_ALIGN_PARAGRAPH.CENTER
    if m.issuer_parent:
        _para(left, m.issuer_parent, 12, align=center)
    _para(left, m.issuer, 12, bold=True, align=center)
    _rule(left, 2.2, 7.0)
    _para(left, m.number, 13, align=center)
    _para(right, m.motto1, 12, bold=True, align=center)
    _para(right, m.motto2, 13, bold=True, align=center)
    _rule(right, 5.6, 9.5)
    _para(right, m.place_date, 13, italic=True, align=center)
    _para(d, "", after=6)
    _para(d, m.doc_type, 14, bold=True, align=center)
    _para(d, m.title, 14, bold=True, align=center)
    _rule(d, 4.0, 16.5)


def _table(d: Any, b: Table) -> None:
    n = len(b.columns)
    t = d.add_table(rows=len(b.rows) + 1, cols=n)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    cells = t._cells  # the whole grid at once: row.cells per row rebuilds it (quadratic)
    for cell, text in zip(cells[:n], b.columns, strict=True):
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(text), 11, bold=True)
    align = [WD_ALIGN_PARAGRAPH.RIGHT if x else WD_ALIGN_PARAGRAPH.LEFT for x in b.numeric]
    align += [WD_ALIGN_PARAGRAPH.LEFT] * (n - len(align))
    for i, row in enumerate(b.rows):
        bold = i in b.bold_rows
        for j, text in enumerate(row):
            p = cells[(i + 1) * n + j].paragraphs[0]
            p.alignment = align[j]
            _font(p.add_run(text), 11, bold=bold)
    for note in b.notes:
        _para(d, note, 11, italic=True, after=6)


def _blocks(d: Any, blocks: list[Any], job: RenderJob) -> None:
    for b in blocks:
        if isinstance(b, Heading):
            align = WD_ALIGN_PARAGRAPH.CENTER if b.level == 1 and b.text[:1] == "P" else None
            p = _para(d, b.text, BODY_PT, bold=True, italic=b.level == 3, after=6, align=align)
            p.paragraph_format.space_before = Pt(6)
            p.paragraph_format.keep_with_next = True
            if b.level > 1:
                p.paragraph_format.first_line_indent = Cm(1.27)
        elif isinstance(b, Paragraph):
            size = 12 if b.style == "note" else BODY_PT
            p = _para(d, b.text, size, italic=b.style == "placeholder", indent=True, after=6)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        elif isinstance(b, BulletList):
            for item in b.items:
                p = _para(d, "- " + item, BODY_PT, indent=True, after=3)
                p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        elif isinstance(b, Table):
            _table(d, b)
        elif isinstance(b, Chart) and b.spec.id in job.images:
            p = _para(d, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
            p.add_run().add_picture(str(job.images[b.spec.id]), width=Cm(16))


def _closing(d: Any, doc: Document) -> None:
    m = doc.meta
    t = d.add_table(rows=1, cols=2)
    _no_borders(t)
    left, right = t.rows[0].cells
    _font(left.paragraphs[0].add_run(m.recipients_label), 12, bold=True, italic=True)
    for r in m.recipients:
        _para(left, r, 11)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(right.paragraphs[0].add_run(m.signer_title), 14, bold=True)
    for _ in range(3):
        _para(right, "")
    _para(right, m.signer_name, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def build_docx(job: RenderJob) -> Any:
    """The python-docx document of the report."""
    ref = job.template_file("reference.docx")
    d = new_docx(str(ref)) if ref else new_docx()
    normal = d.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    sec = d.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(20), Mm(20)
    sec.left_margin, sec.right_margin = Mm(30), Mm(15)
    _page_number(sec)
    _heading_block(d, job.doc)
    for s in job.doc.body:
        _blocks(d, s.blocks, job)
    _closing(d, job.doc)
    for s in job.doc.annexes:
        d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _blocks(d, s.blocks, job)
    d.core_properties.title = f"{job.doc.meta.doc_type} {job.doc.meta.title}"
    d.core_properties.language = job.doc.meta.lang
    return d


def render_docx(job: RenderJob, path: Path) -> None:
    """Write the DOCX."""
    build_docx(job).save(str(path))
