"""The review report pages (wired in when chitieu.report from issue 3 is merged)."""

from __future__ import annotations

import pytest


@pytest.fixture
def report_env(tmp_path):  # type: ignore[no-untyped-def]
    from tests.web.conftest import make_env

    from chitieu.demo.build import load_demo

    env = make_env(f"sqlite:///{tmp_path / 'r.db'}")
    load_demo(env.store)
    return env


def test_report_page_and_every_download_format(report_env):
    c = report_env.browser("analyst")
    page = c.get("/report", params={"period": "2023S1"})
    assert page.status_code == 200 and "1.614.206" in page.text
    for fmt, magic in (("docx", b"PK"), ("pdf", b"%PDF"), ("md", b"PK"), ("html", b"PK")):
        r = c.get("/report/download", params={"period": "2023S1", "fmt": fmt})
        assert r.status_code == 200 and r.content.startswith(magic), fmt
    # Markdown and HTML come from the page as a zip with their images and plotly.js (issue
    # 20); the API gives the one file, the HTML with plotly.js inline
    one = report_env.api("analyst").get("/api/v1/report", params={"period": "2023S1",
                                                                  "format": "html"})  # fmt: skip
    assert b'src="plotly.min.js"' not in one.content and b"Plotly" in one.content
    api = report_env.api("viewer").get("/api/v1/report", params={"period": "2023S1"})
    assert api.status_code == 200 and "8,66" in api.text


def test_reporters_may_not_download_the_national_report(report_env):
    r = report_env.api("reporter").get("/api/v1/report", params={"period": "2023S1"})
    assert r.status_code == 403


def test_reports_are_cached_until_the_data_changes(report_env, monkeypatch):
    from chitieu.store.values import NewValue
    from chitieu.web import report_pages

    calls: list[str] = []
    real = __import__("chitieu.report", fromlist=["build_report"]).build_report

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["formats"][0])
        return real(*args, **kwargs)

    monkeypatch.setattr("chitieu.report.build_report", counting)
    first = report_pages.report_bytes(report_env.store, "2023S1", "VN", "en", "md")
    assert report_pages.report_bytes(report_env.store, "2023S1", "VN", "en", "md") == first
    assert calls == ["md"]
    report_env.store.write(
        [NewValue("ICT_REVENUE", "VN", "2023S1", "actual", 1_700_000.0)],
        source="test",
        created_by="test",
    )
    assert report_pages.report_bytes(report_env.store, "2023S1", "VN", "en", "md") != first
    assert calls == ["md", "md"]
