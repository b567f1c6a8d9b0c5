"""HTML (interactive plotly charts, plotly.js served beside the file) and PDF (WeasyPrint).

The PDF is the same template rendered with ``static=True``: charts as the PNG images that
matplotlib drew from the same chart definitions, fonts named explicitly (Liberation Serif,
the metric twin of Times New Roman; Noto Serif and DejaVu Serif as fall-backs).
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from chitieu.report.render.base import RenderJob

PLOTLY_JS = "plotly.min.js"


def plotly_js() -> Path:
    """plotly.js as bundled in the plotly wheel (never a CDN)."""
    return Path(str(resources.files("plotly") / "package_data" / PLOTLY_JS))


def report_css(job: RenderJob | None = None) -> str:
    """The report's style sheet: the user's ``report.css`` from --templates, else the built-in."""
    user = job.template_file("report.css") if job is not None else None
    if user is not None:
        return user.read_text(encoding="utf-8")
    return (resources.files("chitieu.report") / "templates" / "report.css").read_text("utf-8")


def html_text(job: RenderJob, static: bool) -> str:
    """The report as HTML (``static``: images instead of interactive charts)."""
    images = {k: str(v.relative_to(job.out_dir)) for k, v in job.images.items()}
    return (
        job.env()
        .get_template("report.html.j2")
        .render(
            doc=job.doc,
            meta=job.doc.meta,
            css=report_css(job),
            static=static,
            images=images,
            plotly=job.plotly,
            plotly_src=PLOTLY_JS,
        )
    )


def render_html(job: RenderJob, path: Path) -> None:
    """Write the HTML and put plotly.min.js beside it (copied once)."""
    path.write_text(html_text(job, static=False), encoding="utf-8")
    target = job.out_dir / PLOTLY_JS
    src = plotly_js()
    if not target.exists() or target.stat().st_size != src.stat().st_size:
        tmp = target.with_suffix(".js.tmp")
        shutil.copyfile(src, tmp)
        tmp.replace(target)


def render_pdf(job: RenderJob, path: Path) -> None:
    """Print the static HTML to PDF with WeasyPrint (charts are waited for as they are drawn)."""
    from chitieu.report.render.pdf import write_pdf

    charts = set(job.images.values())
    write_pdf(html_text(job, static=True), job.out_dir, charts, path, job.pdf_variant)
