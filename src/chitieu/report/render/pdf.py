"""The PDF: the static HTML printed by WeasyPrint, with charts fetched as they are drawn.

Imported only when a PDF is printed (WeasyPrint takes ~0,4 s to import). The URL fetcher lets the
print start before the chart images exist: when the layout reaches a chart, it waits for the PNG
(written whole, by rename, in another process) or for its ``.failed`` marker. Only local files
and ``data:`` URLs are fetched, and any fetch error stops the print: no PDF with a chart missing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from chitieu.errors import ChitieuError

#: how long the print waits for one chart before giving up (seconds)
CHART_WAIT_S = 120.0


class ChartMissing(ChitieuError):
    """A chart image the PDF needs was not drawn."""


class ChartFetcher(URLFetcher):
    """Local files and data URLs only; a chart's PNG is waited for until it exists."""

    def __init__(self, charts: set[Path], wait_s: float = CHART_WAIT_S) -> None:
        super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)
        self.charts = {p.resolve() for p in charts}
        self.wait_s = wait_s

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith("file:"):
            path = Path(url2pathname(url.split("?")[0].removeprefix("file:")))
            if path.resolve() in self.charts:
                self._wait(path)
        return super().fetch(url, headers)

    def _wait(self, path: Path) -> None:
        failed = path.with_name(path.name + ".failed")
        deadline = time.monotonic() + self.wait_s
        pause = 0.002
        while not path.exists():
            if failed.exists():
                raise ChartMissing(
                    f"{path.name}: the chart could not be drawn", "see the error above"
                )
            if time.monotonic() > deadline:
                raise ChartMissing(
                    f"{path.name}: no chart after {self.wait_s:.0f} s", "run the report again"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.02)


def write_pdf(
    html: str, base: Path, charts: set[Path], path: Path, variant: str | None = None
) -> None:
    """Print ``html`` (relative URLs from ``base``) to ``path``; ``variant``: WeasyPrint's
    ``pdf_variant`` (``pdf/a-2b``: PDF/A for the archive — fonts embedded, XMP metadata)."""
    try:
        doc = HTML(string=html, base_url=str(base), url_fetcher=ChartFetcher(charts))
        doc.write_pdf(path, pdf_variant=variant)
    except FatalURLFetchingError as e:  # a BaseException: told as a report error instead
        cause = e.__cause__
        if isinstance(cause, ChitieuError):
            raise cause from None
        raise ChartMissing(
            f"{e}: {cause}", "images and styles must be local files next to the report"
        ) from None
