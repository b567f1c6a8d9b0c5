"""A number typed as text in an uploaded template is read the same whatever the interface's
language (issue 19's first defect, on the upload path): an unambiguous spelling is accepted
as what it says, an ambiguous one is refused at its cell with both readings, nothing stored."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from tests.web.conftest import FORM, OWN, PERIOD, WebEnv, csrf, make_env

ENTRY = f"/entry/{FORM}/{OWN}/{PERIOD}"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    e = make_env(f"sqlite:///{tmp_path_factory.mktemp('numbers') / 'web.db'}")
    yield e
    e.store.engine.dispose()


def _upload(env: WebEnv, lang: str, text: str):  # type: ignore[no-untyped-def]
    c = env.browser("reporter")
    c.cookies.set("chitieu_lang", lang)
    wb = load_workbook(io.BytesIO(c.get(ENTRY + "/template.xlsx?layout=long").content))
    sheet = wb["Số liệu"]
    sheet["H2"] = text
    indicator = sheet["A2"].value
    buf = io.BytesIO()
    wb.save(buf)
    r = c.post(
        ENTRY + "/upload",
        data={"csrf_token": csrf(c, ENTRY)},
        files={"file": ("bieu.xlsx", buf.getvalue(), "application/octet-stream")},
    )
    return r, indicator


def _stored(env: WebEnv, indicator: str) -> float | None:
    r = env.api("reporter").get(f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}")
    assert r.status_code == 200, r.text
    got = r.json()["submission"]["values"][indicator]["value"]
    return None if got is None else float(got)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_ambiguous_text_number_is_refused_in_either_language(env, lang):
    before = env.store.count()
    r, _ind = _upload(env, lang, "45.405")
    assert r.status_code == 422, r.text[:800]
    assert "H2" in r.text and "45405" in r.text.replace(".", "").replace(",", "")
    assert env.store.count() == before


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [("en", "45.405,5", 45405.5), ("vi", "1,614,206.5", 1614206.5), ("en", "1.614.206", 1614206.0)],
)
def test_an_unambiguous_text_number_means_the_same_in_either_language(env, lang, text, value):
    r, ind = _upload(env, lang, text)
    assert r.status_code == 200, r.text[:800]
    assert _stored(env, ind) == value
