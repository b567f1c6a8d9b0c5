"""Markdown: the report as text, charts as PNG images beside it."""

from __future__ import annotations

from pathlib import Path

from chitieu.report.render.base import RenderJob


def render_md(job: RenderJob, path: Path) -> None:
    """Render ``report.md.j2`` into ``path``."""
    images = {k: str(v.relative_to(job.out_dir)) for k, v in job.images.items()}
    text = (
        job.env().get_template("report.md.j2").render(doc=job.doc, meta=job.doc.meta, images=images)
    )
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
