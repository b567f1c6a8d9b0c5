"""One registry of output formats (issue 16, item 7): what the web offers and serves, what the
CLI accepts and writes by default, and what starts the render workers all come from
``report/render/base.py`` — a format registered there shows up in all of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chitieu.report.render import RenderJob, formats, register_renderer, unregister
from chitieu.report.render.base import BUILTIN, default_names, registered
from chitieu.report.workers import formats_need_workers


def _fake(job: RenderJob, path: Path) -> None:
    path.write_text(f"FAKE {job.doc.meta.title}\n", encoding="utf-8")


@pytest.fixture
def fake() -> Iterator[str]:
    """A format ``fake`` (plain text, no charts, in the default set), taken away after."""
    register_renderer("fake", ".fake.txt", _fake, media_type="text/x-fake; charset=utf-8")
    register_renderer("fakeimg", ".img.txt", _fake, needs_images=True, default=False)
    yield "fake"
    unregister("fake")
    unregister("fakeimg")
    assert set(formats()) == {"docx", "pdf", "html", "md"}


def test_the_built_in_formats_and_what_they_need() -> None:
    got = {k: (f.suffix, f.media_type.split(";")[0], f.needs_workers) for k, f in BUILTIN.items()}
    assert got == {
        "docx": (
            ".docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            True,
        ),
        "pdf": (".pdf", "application/pdf", True),
        "html": (".html", "text/html", False),
        "md": (".md", "text/markdown", True),
        "pptx": (
            ".pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            False,
        ),
    }
    assert default_names() == ["docx", "pdf", "html", "md"]  # the report's; the deck's apart
    assert list(registered("slides")) == ["pptx"]
    for f in BUILTIN.values():  # every built-in renderer can be imported by its reference
        assert callable(f.render), f.name


def test_the_workers_read_the_registry(fake: str) -> None:
    assert formats_need_workers(None)  # the default set has chart images
    assert not formats_need_workers(["html"])
    assert not formats_need_workers([fake])
    assert formats_need_workers(["html", "fakeimg"])
    unregister("fakeimg")
    assert not formats_need_workers(["fakeimg"])  # unknown: the build will say so, no workers


def test_the_program_entry_reads_the_registry(fake: str) -> None:
    from chitieu.cli.entry import report_needs_workers

    assert not report_needs_workers(["chitieu", "report", "-p", "2023S1", "-f", fake])
    assert report_needs_workers(["chitieu", "report", "-p", "2023S1", "-f", "fakeimg"])


def test_the_cli_accepts_and_defaults_to_a_registered_format(
    fake: str, demo_sqlite: str, tmp_path: Path
) -> None:
    from chitieu.cli.main import app

    assert fake in default_names()
    res = CliRunner().invoke(
        app,
        ["report", "-p", "2023S1", "-f", fake, "--out", str(tmp_path), "--db", demo_sqlite],
    )
    assert res.exit_code == 0, res.output
    written = tmp_path / "report-2023S1-vi.fake.txt"
    assert written.read_text(encoding="utf-8").startswith("FAKE ")
    unregister(fake)
    res = CliRunner().invoke(
        app, ["report", "-p", "2023S1", "-f", fake, "--out", str(tmp_path), "--db", demo_sqlite]
    )
    assert res.exit_code != 0 and "fake" in res.output


def test_the_web_offers_and_serves_a_registered_format(fake: str, tmp_path: Path) -> None:
    from tests.web.conftest import make_env

    from chitieu.demo.build import load_demo

    env = make_env(f"sqlite:///{tmp_path / 'web.db'}")
    load_demo(env.store)
    c = env.browser("analyst")
    page = c.get("/report", params={"period": "2023S1"})
    assert page.status_code == 200 and 'id="report-fake"' in page.text
    assert "(zip)" in page.text  # md and html, which link to files beside them
    dash = c.get("/dashboard", params={"period": "2023S1"})
    assert dash.status_code == 200 and 'id="dash-report-fake"' in dash.text
    r = c.get("/report/download", params={"period": "2023S1", "fmt": fake})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/x-fake")
    assert r.content.startswith(b"FAKE ")
    unregister(fake)
    assert c.get("/report/download", params={"period": "2023S1", "fmt": fake}).status_code == 404
    env.store.engine.dispose()
