"""``GET /api/v1/whatif`` (issue 22, item 4): the national figures and sentences before and
under hypotheses, read-only, for whoever may read the nation's figures; bad input is a 422 in
both languages. On SQLite and PostgreSQL, over the demo."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import BACKENDS, backend_url
from tests.test_whatif import snapshot
from tests.web.conftest import make_env

P = "2023S1"
ASOF = "2023-06-21"
URL = "/api/v1/whatif"


@pytest.fixture(scope="module", params=BACKENDS)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The web over the demo store, once per backend and module."""
    from chitieu.demo.build import load_demo

    with backend_url(request, tmp_path_factory, "wi") as url:
        e = make_env(url)
        load_demo(e.store)
        yield e
        e.store.engine.dispose()


def test_a_given_value_changes_the_national_figure_and_the_sentence(env):
    api = env.api("analyst")
    api.get("/api/v1/summary", params={"period": P})  # the cube slabs a read keeps, kept
    then = snapshot(env.store)
    q = {"period": P, "as_of": ASOF, "unit": "An Giang", "indicator": "ICT_REVENUE",
         "value": "18817"}  # fmt: skip
    r = api.get(URL, params=q)  # the page's language: vi by default
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["ok"] and got["changed"] == ["ICT_REVENUE"] and got["lang"] == "vi"
    (before,), (after,) = got["before"], got["after"]
    assert (before["value"], after["value"]) == (1_597_270, 1_616_087)
    assert before["coverage"]["complete"] is False and "hypothetical" not in before["coverage"]
    assert after["coverage"]["hypothetical"] == 1 and after["coverage"]["reported"] == 62
    assert after["coverage"]["hypothetical_units"] == ["89@63"] and after["change_pct"] == -8.55
    s = got["sentences"][0]
    assert s["changed"] and s["after"].startswith("[Giả định] Trong 6 tháng đầu năm 2023")
    assert "1.616.087 tỷ đồng" in s["after"] and "1.597.270 tỷ đồng" in s["before"]
    assert got["hypotheses"] == [
        {"indicator": "ICT_REVENUE", "unit": "89@63", "value": 18817.0, "source": "given",
         "basis": {}, "text": "Giả định An Giang: doanh thu toàn ngành TT&TT là 18.817 tỷ "
         "đồng (giá trị nhập vào)"},
    ]  # fmt: skip
    assert snapshot(env.store) == then  # read-only


def test_repeated_triples_and_a_scenario(env):
    api = env.api("viewer")
    q: list[tuple[str, str]] = [("period", P), ("as_of", ASOF), ("unit", "89@63")]
    q += [("indicator", "ICT_REVENUE"), ("value", "18817"), ("indicator", "ICT_BUDGET"),
          ("value", "530")]  # fmt: skip
    r = api.get(URL, params=[*q, ("lang", "en")])
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["changed"] == ["ICT_REVENUE", "ICT_BUDGET"] and got["lang"] == "en"
    assert got["after"][1]["value"] == 44_929 + 530
    assert got["sentences"][1]["after"].startswith("[Hypothetical] State budget contribution")
    share = api.get(URL, params={"period": P, "as_of": ASOF, "unit": "An Giang",
                                 "scenario": "last-year-share"})  # fmt: skip
    assert share.status_code == 200, share.text
    assert [h["source"] for h in share.json()["hypotheses"]] == ["last_year_share"] * 4
    est = api.get(URL, params={"period": P, "unit": "An Giang", "scenario": "ministry-estimate",
                               "indicator": "ICT_REVENUE"})  # fmt: skip
    assert est.status_code == 200 and est.json()["after"][0]["value"] == 1_616_087


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"unit": "An Giang", "indicator": "ICT_REVENU", "value": "1"}, "ICT_REVENUE"),
        ({"unit": "Atlantis", "indicator": "ICT_REVENUE", "value": "1"}, "Atlantis"),
        ({"unit": "91@34", "indicator": "ICT_REVENUE", "value": "1"}, "89@63"),
        ({"unit": "An Giang", "indicator": "ICT_REVENUE", "value": "many"}, "many"),
        ({"unit": "An Giang", "indicator": "ICT_REVENUE", "value": "-5"}, "ICT_REVENUE"),
        ({"unit": "An Giang", "indicator": "ICT_REVENUE", "value": "1e400"}, "1e400"),
        ({"unit": "An Giang", "indicator": "ICT_REVENUE", "value": "9" * 60}, "1e+12"),
        ({"unit": "An Giang", "indicator": "ICT_REVENUE", "value": "2000000000000"}, "1e+12"),
        ({"unit": "An Giang", "indicator": "ICT_REVENUE"}, "unit"),
        ({"unit": "An Giang", "scenario": "guess"}, "guess"),
        ({"unit": "An Giang", "indicator": "ICT_REVENUE", "value": "1", "boundaries": "x"}, "x"),
        ({}, "scenario"),
        ({"unit": "An Giang", "indicator": "ICT_REVENUE", "value": "1", "lang": "fr"}, "fr"),
        (
            {"period": "2023X9", "unit": "An Giang", "indicator": "ICT_REVENUE", "value": "1"},
            "2023X9",
        ),
    ],
)
def test_bad_input_is_422_in_both_languages(env, query, said):
    r = env.api("analyst").get(URL, params={"period": P, **query})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["ok"] is False and body["status"] == 422
    vi, en = body["text"]["vi"], body["text"]["en"]
    assert vi["error"] != en["error"]
    assert said in vi["error"] + vi["hint"] + en["error"] + en["hint"]


def test_who_may_ask(env):
    q = {"period": P, "unit": "An Giang", "indicator": "ICT_REVENUE", "value": "1"}
    assert env.api().get(URL, params=q).status_code == 401
    for role in ("reporter", "head"):  # a province's accounts do not see the nation's figures
        assert env.api(role).get(URL, params=q).status_code == 403
    for role in ("viewer", "analyst", "admin"):
        assert env.api(role).get(URL, params=q).status_code == 200
