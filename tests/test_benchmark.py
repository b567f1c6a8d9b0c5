"""Publishing benchmark: framework, reference data, window rule, store layer, section content."""

import csv
import json

import pytest

from chitieu.analyze.facts import facts
from chitieu.benchmark.compute import compute, window_years
from chitieu.benchmark.framework import framework, load_framework
from chitieu.benchmark.reference import (
    check_table,
    import_reference,
    load_reference,
    shipped_file,
    shipped_rows,
)
from chitieu.benchmark.run import cached_benchmark, run_benchmark
from chitieu.benchmark.section import benchmark_section
from chitieu.collect.reader import read_table
from chitieu.demo.build import load_demo
from chitieu.errors import CatalogError
from chitieu.store.values import Store
from test_cli import run

HEADER = "country_iso3,year,indicator,value,unit,source_title,source_url_or_ref,scope_note\n"


def test_framework_has_the_pillars_regions_and_bilingual_metadata():
    fw = framework()
    assert [p.code for p in fw.pillars] == ["output", "market", "industry", "access"]
    assert fw.regions["asean"][1] == ("VNM", "THA", "MYS", "IDN", "PHL", "SGP")
    assert fw.regions["east_asia"][1] == ("CHN", "JPN", "KOR")
    assert fw.regions["world"][1] == ("USA", "GBR", "FRA", "DEU", "IND")
    for ind in fw.indicators:
        for text in (ind.name, ind.unit, ind.definition, ind.caveats):
            assert text.vi and text.en, ind.code
        assert ind.goalposts[0] < ind.goalposts[1]


def test_a_broken_framework_lists_every_problem(tmp_path):
    src = (shipped_file().parent / "framework.yaml").read_text(encoding="utf-8")
    bad = src.replace("direction: higher_better", "direction: upwards", 2).replace(
        "goalposts: [0, 3000]", "goalposts: [3000, 0]"
    )
    path = tmp_path / "fw.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CatalogError) as exc:
        load_framework(path)
    msg = exc.value.message
    assert msg.count("'upwards' is not one of") == 2 and "must exceed low" in msg


def test_shipped_reference_data_is_valid_and_every_figure_is_sourced():
    rows = shipped_rows()
    assert len(rows) == 268
    assert all(r.source_title and r.source_url for r in rows)
    assert {r.country for r in rows if r.input == "POPULATION"} == set(framework().countries)


def test_reference_check_reports_every_error_with_its_place(tmp_path):
    bad = tmp_path / "ref.csv"
    bad.write_text(
        HEADER
        + "XXX,2023,COPIES,5,copies,Src,http://a,\n"  # unknown country
        + "THA,20x3,COPIES,5,copies,Src,http://a,\n"  # bad year
        + "THA,2023,BOOKS,5,copies,Src,http://a,\n"  # unknown input
        + "THA,2023,REVENUE,5,baht,Src,http://a,\n"  # bad unit
        + "THA,2023,COPIES,-5,copies,Src,http://a,\n"  # negative
        + "THA,2023,EBOOK_SHARE,150,%,Src,http://a,\n"  # share > 100
        + "THA,2023,COPIES,5,copies,,,\n"  # no source
        + "THA,2023,COPIES,1.2.3,copies,Src,http://a,\n"  # bad number
        + "THA,2023,COPIES,7,copies,Src,http://a,\n"
        + "THA,2023,COPIES,7,copies,Src,http://a,\n",  # duplicate
        encoding="utf-8",
    )
    rep, rows = check_table(read_table(bad), framework())
    got = {(f.row, f.column, f.type) for f in rep.findings}
    assert got == {
        (2, "country_iso3", "ref-unknown-country"),
        (3, "year", "ref-bad-year"),
        (4, "indicator", "ref-unknown-input"),
        (5, "unit", "ref-bad-unit"),
        (6, "value", "ref-negative"),
        (7, "value", "ref-share-range"),
        (8, "source_title", "ref-missing-source"),
        (8, "source_url_or_ref", "ref-missing-source"),
        (9, "value", "ref-bad-number"),
        (11, "", "ref-duplicate-row"),
    }
    assert not rep.valid and len(rows) == 1
    unit = next(f for f in rep.findings if f.type == "ref-bad-unit")
    assert "VND million" not in unit.hint("en") and "<ISO 4217 code> million" in unit.hint("en")
    assert unit.message("vi").startswith("Đơn vị 'baht'")


def test_window_rule_subsets_isbns_and_vintages():
    fw = framework()
    assert window_years(2023, 3, 1) == [2023, 2022, 2024, 2021, 2020]
    values = compute(load_reference(None, list(range(2019, 2026))), fw, 2023)
    # SUBSET rows are not used: Viet Nam's copies are all publications, not printed books only
    vn = values[("VNM", "copies_pc")]
    assert vn.inputs[0].value == 536179131 and vn.year == 2023
    assert vn.value == pytest.approx(536179131 / 100352192)
    # ISBN registrations are not titles: the US and Korea have no titles_pm
    assert ("USA", "titles_pm") not in values and ("KOR", "titles_pm") not in values
    # nearest year in the window, flagged with the year actually used
    assert values[("FRA", "titles_pm")].year == 2021
    # no growth rate across two vintages of the US series: 2024 on 2023 (both Aug 2025)
    us = values[("USA", "revenue_growth")]
    assert us.year == 2024 and us.value == pytest.approx(32500 / 31300 * 100 - 100)
    # nor across two concepts: Thailand's 2022 and 2023 market values are different series
    assert ("THA", "revenue_growth") not in values
    values_2020 = compute(load_reference(None, list(range(2016, 2022))), fw, 2020)
    assert ("USA", "revenue_growth") not in values_2020  # WIPO 2020 vs AAP 2019
    # a share published as such wins over one computed from counts
    assert values[("DEU", "epub_share")].recipe == "value"
    assert values[("THA", "epub_share")].value == pytest.approx(4086 / 29265 * 100)
    assert values[("THA", "epub_share")].caution  # reference year uncertain


def test_benchmark_reads_viet_nam_from_the_store_and_imports_override(store, tmp_path):
    load_demo(store)
    result = run_benchmark(store, 2023, runs=200)
    vn = result.country("VNM")
    copies = vn.values["copies_pc"]
    assert {r.origin for r in copies.inputs} == {"store"}
    assert "Tiền Phong" in copies.inputs[0].source_title
    # the same ratio as the fact table's copies per capita (one computation, two places)
    fact = next(
        f for f in facts(store, "2023", indicators=["PUB_COPIES_PER_CAPITA"]) if f.unit == "VN"
    )
    assert copies.value == pytest.approx(fact.value)
    assert vn.values["revenue_growth"].value == pytest.approx(4105.35 / 3994 * 100 - 100)
    # an imported newer vintage beats the shipped row; nothing is written from a bad file
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "DEU,2023,NEW_TITLES,61000,titles,,,\n", encoding="utf-8")
    assert not import_reference(bad, store, created_by="t").report.valid
    good = tmp_path / "new.csv"
    good.write_text(
        HEADER + "DEU,2023,NEW_TITLES,61000,titles,Revised table,https://example.org/t,\n"
        "MYS,2023,COPIES,100000000,copies,Survey,https://example.org/m,\n",
        encoding="utf-8",
    )
    res = import_reference(good, store, created_by="t")
    assert res.report.valid and res.written == 2
    again = run_benchmark(store, 2023, runs=50)
    deu = again.country("DEU").values["new_titles_pm"]
    assert deu.inputs[0].origin == "import" and deu.inputs[0].value == 61000
    assert "copies_pc" in again.country("MYS").values


def test_the_cached_benchmark_follows_each_revised_reference_row(store, tmp_path):
    def deu(result):  # Germany's new titles of 2023: the figure the revisions change
        return result.country("DEU").values["new_titles_pm"].inputs[0]

    first = cached_benchmark(store, 2023)
    assert cached_benchmark(store, 2023) is first  # nothing changed: the cached result
    assert deu(first).origin == "shipped" and deu(first).value == 60230
    for n, value in enumerate((61000, 61500)):  # a revision, then a revision of the revision
        revised = tmp_path / f"revised{n}.csv"
        revised.write_text(
            HEADER + f"DEU,2023,NEW_TITLES,{value},titles,Revised table,https://example.org/t,\n",
            encoding="utf-8",
        )
        assert import_reference(revised, store, created_by="t").written == 1
        again = cached_benchmark(store, 2023)
        assert deu(again).origin == "import" and deu(again).value == value
        assert cached_benchmark(store, 2023) is again


def test_section_content_in_both_languages(demo_sqlite):
    result = run_benchmark(Store(demo_sqlite), 2023, runs=100)
    vi, en = benchmark_section(result, "vi"), benchmark_section(result, "en")
    assert vi.title == "So sánh quốc tế ngành xuất bản năm 2023"
    assert en.title == "Publishing industry: international benchmark, 2023"
    vn = result.country("VNM")
    assert f"xếp thứ {vn.rank}/{len(result.scored)}" in vi.paragraphs[0]
    assert any(
        p.startswith("Xuất bản phẩm trên một triệu dân của Việt Nam đạt 373,6")
        for p in vi.paragraphs
    )
    assert any("373.6 titles per million" in p for p in en.paragraphs)
    assert len(vi.table.rows) == len(framework().countries) and len(vi.table.header) == 6
    assert vi.chart.values == sorted(vi.chart.values, reverse=True)
    assert (
        sum(vi.chart.highlight) == 1
        and vi.chart.categories[vi.chart.highlight.index(True)] == "Việt Nam"
    )
    assert all("," in lbl or lbl.isdigit() for lbl in vi.chart.labels)
    assert vi.sources and all(s["title"] and s["url"] for s in vi.sources)
    json.dumps(vi.to_dict(), ensure_ascii=False)


def test_cli_benchmark_json_ranks_viet_nam_among_peers_with_sources(db_url, tmp_path):
    run("demo", db=db_url)
    out = json.loads(
        run(
            "benchmark", "publishing", "--year", "2023", "--json", "--runs", "300", db=db_url
        ).stdout
    )
    scored = [c for c in out["countries"] if c["scored"]]
    assert len(scored) >= 7 and "VNM" in {c["iso3"] for c in scored}
    for c in scored:
        lo, hi = c["rank_interval"]
        assert 1 <= lo <= c["rank_median"] <= hi <= len(scored)
        assert set(c["pillars"]) == {"output", "market", "industry"}
    inputs = [
        i for c in out["countries"] for v in c["indicators"].values() for i in v.get("inputs", [])
    ]
    assert inputs and all(i["source_title"] and i["source_url"] for i in inputs)
    assert out["method"]["uncertainty"]["runs"] == 300 and out["text"]["vi"] and out["gaps"]
    # import: errors in one pass, exit 1, nothing written; then a valid file is stored
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "XXX,2023,COPIES,5,copies,S,u,\nTHA,2023,COPIES,x,copies,S,u,\n")
    proc = run("benchmark", "import", str(bad), "--json", db=db_url, check=False)
    rep = json.loads(proc.stdout)
    assert proc.returncode == 1 and rep["written"] == 0 and rep["errors"] == 2
    rows = list(csv.reader(shipped_file().open(encoding="utf-8")))
    assert len(rows) == 269
    human = run("benchmark", "publishing", "--year", "2023", "--runs", "50", db=db_url).stdout
    assert "Việt Nam" in human and "trung vị khu vực" in human
