"""The peers chitieu is measured against: a bare insert, frictionless, pandas, DuckDB.

Each peer does the same job as the chitieu step it is compared with, on the same rows, as
directly as its tool allows. The pandas and DuckDB summaries re-implement the fact table's
steps for this benchmark's data (monthly values and annual plans, see core_data): latest
vintage, actual over estimate, old provinces summed onto today's 34, months rolled up by
the time rule, the nation as stored or summed, then change, % of plan, share and rank.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, bindparam, text

from chitieu.catalog.periods import Period, periods_within
from chitieu.catalog.units import NATION_ID, UnitRegistry
from chitieu.store.values import Store

from .core_data import BenchIndicator

OBS_COLS = (
    "indicator, unit, period, kind, value, status, source, batch_id, created_at, created_by, "
    "comment, method, inputs"
)


def bare_insert(store: Store, path: Path) -> int:
    """csv module + one executemany of the same rows into the observation table, no checks."""
    eng = store.engine
    sqlite = eng.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    at = datetime(2099, 1, 1)
    at_db: Any = at.isoformat(" ", "microseconds") if sqlite else at
    raw = eng.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(
            "INSERT INTO batch (source, filename, rows, created_at, created_by) "
            f"VALUES ('bare', {mark}, 0, {mark}, 'bench')",
            (path.name, at_db),
        )
        if sqlite:
            batch_id = cur.lastrowid
        else:
            cur.execute("SELECT max(id) FROM batch")
            batch_id = cur.fetchone()[0]
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            fixed = ("provisional", path.name, batch_id, at_db, "bench", None, None, "null")
            rows = [(i, u, p, k, float(v.replace(",", ".")), *fixed) for i, u, p, v, k in reader]
        marks = ", ".join([mark] * 13)
        cur.executemany(f"INSERT INTO observation ({OBS_COLS}) VALUES ({marks})", rows)
        raw.commit()
    finally:
        raw.close()
    return len(rows)


def frictionless_validate(path: Path, codes: list[str]) -> int:
    """``frictionless validate`` (Python API) of the CSV against a Table Schema; rows checked."""
    from frictionless import Resource, Schema

    schema = Schema.from_descriptor(
        {
            "fields": [
                {"name": "Mã chỉ tiêu", "type": "string",
                 "constraints": {"required": True, "enum": codes}},
                {"name": "Tỉnh", "type": "string",
                 "constraints": {"required": True, "pattern": "VN|[0-9]{2}"}},
                {"name": "Kỳ", "type": "string",
                 "constraints": {"required": True,
                                 "pattern": "[0-9]{4}(0[1-9]|1[0-2]|S[12]|Q[1-4])?"}},
                {"name": "Giá trị", "type": "number", "decimalChar": ",", "groupChar": ".",
                 "constraints": {"required": True}},
                {"name": "Loại", "type": "string",
                 "constraints": {"required": True, "enum": ["thực hiện", "ước", "kế hoạch"]}},
            ],
            "primaryKey": ["Mã chỉ tiêu", "Tỉnh", "Kỳ", "Loại"],
        }
    )  # fmt: skip
    report = Resource(path.name, basepath=str(path.parent), schema=schema).validate()
    if not report.valid:
        raise AssertionError(report.flatten(["rowNumber", "fieldName", "type", "note"])[:5])
    return int(report.tasks[0].stats["rows"])


def summary_period_ids(p: Period) -> list[str]:
    """The period ids FactBuilder reads for ``p`` (the period, last year's, the year)."""
    ids: set[str] = set()
    for q in (p, p.same_period_last_year(), p.year_period()):
        ids.update(x.id for x in periods_within(q))
    return sorted(ids)


def read_rows(engine: Engine, p: Period, as_of: datetime | None = None) -> Any:
    """The raw rows (every vintage, or every one recorded by ``as_of``) of the summary's
    periods as a pandas DataFrame."""
    import pandas as pd

    ids = summary_period_ids(p)
    names = ", ".join(f":p{i}" for i in range(len(ids)))
    when = "" if as_of is None else " AND created_at <= :as_of"
    sql = text(
        "SELECT id, indicator, unit, period, kind, value, status FROM observation "
        f"WHERE period IN ({names}){when}"
    )
    params: dict[str, Any] = {f"p{i}": x for i, x in enumerate(ids)}
    if as_of is not None:
        sql = sql.bindparams(bindparam("as_of", type_=DateTime))
        params["as_of"] = as_of
    with engine.connect() as conn:
        return pd.read_sql_query(sql, conn, params=params)


def crosswalk(reg: UnitRegistry) -> dict[str, str]:
    """Stored unit id → unit shown on today's 34 boundaries (nation kept)."""
    out = {NATION_ID: NATION_ID}
    for u in reg.all()[1:]:
        out[u.id] = reg.on_boundaries(u.id, "34")
    return out


def _rolled(best: Any, p: Period, rules: Any, xw: dict[str, str]) -> Any:
    """Value of ``p`` per (indicator, unit on 34 boundaries), nation as stored or summed."""
    import pandas as pd

    months = [m.id for m in p.months()]
    m = best[best.period.isin(months)].copy()
    m["target"] = m.unit.map(xw)
    g = m.groupby(["indicator", "target", "period"], sort=False, as_index=False)["value"].sum()
    g["rule"] = g.indicator.map(rules)
    parts = []
    for rule, d in g.groupby("rule", sort=False):
        by = d.groupby(["indicator", "target"], sort=False)
        if rule == "last":
            r = d[d.period == months[-1]][["indicator", "target", "value"]]
        else:
            agg = by["value"].agg("sum" if rule == "sum" else "mean")
            r = agg[by.size() == len(months)].reset_index()
        parts.append(r)
    if not parts:  # nothing recorded yet (a reading as of an early instant)
        parts = [pd.DataFrame({"indicator": [], "target": [], "value": []})]
    r = pd.concat(parts, ignore_index=True).rename(columns={"target": "unit"})
    prov = r[r.unit != NATION_ID]
    nat = r[r.unit == NATION_ID]
    summed = prov.groupby("indicator", as_index=False)["value"].sum()
    summed = summed[~summed.indicator.isin(nat.indicator)].assign(unit=NATION_ID)
    return pd.concat([r, summed], ignore_index=True)


def pandas_summary(  # type: ignore[no-untyped-def]
    engine: Engine,
    p: Period,
    inds: list[BenchIndicator],
    xw: dict[str, str],
    as_of: datetime | None = None,
):
    """Read the rows (recorded by ``as_of`` if given) into pandas and compute the period's
    facts; returns a DataFrame."""
    import numpy as np
    import pandas as pd

    df = read_rows(engine, p, as_of)
    key = ["indicator", "unit", "period", "kind"]
    df = df.sort_values("id").drop_duplicates(key, keep="last")
    df = df[df.value.notna()]
    plans = df[(df.kind == "plan") & (df.period == str(p.year))].copy()
    best = df[df.kind != "plan"].assign(actual=lambda d: d.kind == "actual")
    best = best.sort_values("actual").drop_duplicates(key[:3], keep="last")
    rules = {i.code: i.time_rule for i in inds}
    cur = _rolled(best, p, rules, xw)
    prev = _rolled(best, p.same_period_last_year(), rules, xw).rename(columns={"value": "previous"})
    plans["unit"] = plans.unit.map(xw)
    plan = plans.groupby(["indicator", "unit"], as_index=False)["value"].sum()
    psum = plan[plan.unit != NATION_ID].groupby("indicator", as_index=False)["value"].sum()
    psum = psum[~psum.indicator.isin(plan[plan.unit == NATION_ID].indicator)]
    plan = pd.concat([plan, psum.assign(unit=NATION_ID)], ignore_index=True)
    plan = plan.rename(columns={"value": "plan"})
    facts = cur.merge(prev, how="outer", on=["indicator", "unit"]).merge(
        plan, how="outer", on=["indicator", "unit"]
    )
    nation = facts[facts.unit == NATION_ID].set_index("indicator")["value"]
    facts["change_pct"] = np.round(facts.value / facts.previous * 100 - 100, 2)
    facts["plan_pct"] = np.round(facts.value / facts.plan * 100, 2)
    is_prov = facts.unit != NATION_ID
    facts["share_pct"] = np.where(
        is_prov, np.round(facts.value / facts.indicator.map(nation) * 100, 2), np.nan
    )
    lower = {i.code for i in inds if i.direction == "lower_better"}
    signed = np.where(facts.indicator.isin(lower), facts.value, -facts.value)
    facts["rank"] = (
        facts.assign(s=signed).where(is_prov).groupby("indicator")["s"].rank(method="first")
    )
    return facts


DUCK_SQL = """
WITH keyed AS (  -- the newest vintage of each kind per key (NULL: none, or deleted)
  SELECT indicator, unit, period,
         arg_max_null(value, id) FILTER (WHERE kind = 'actual') AS a,
         arg_max_null(value, id) FILTER (WHERE kind = 'estimate') AS e,
         arg_max_null(value, id) FILTER (WHERE kind = 'plan') AS pl
  FROM obs GROUP BY ALL
), best AS (  -- actual over estimate
  SELECT indicator, unit, period, coalesce(a, e) AS value FROM keyed
  WHERE coalesce(a, e) IS NOT NULL
), monthly AS (
  SELECT b.indicator, x.target AS unit, b.period, sum(b.value) AS v
  FROM best b JOIN xwalk x ON x.unit = b.unit
  WHERE b.period IN (SELECT period FROM months)
  GROUP BY ALL
), rolled AS (
  SELECT m.indicator, m.unit, mo.target_period AS tp,
         CASE any_value(i.time_rule) WHEN 'sum' THEN sum(v) WHEN 'average' THEN avg(v)
              ELSE arg_max(v, m.period) END AS value
  FROM monthly m JOIN months mo USING (period) JOIN ind i ON i.code = m.indicator
  GROUP BY ALL
  HAVING CASE any_value(i.time_rule) WHEN 'last' THEN max(m.period) = any_value(mo.last_month)
              ELSE count(*) = any_value(mo.n) END
), withnat AS (
  SELECT * FROM rolled
  UNION ALL
  SELECT indicator, 'VN', tp, sum(value) FROM rolled r WHERE unit <> 'VN'
    AND NOT EXISTS (SELECT 1 FROM rolled n WHERE n.unit = 'VN' AND n.indicator = r.indicator
                    AND n.tp = r.tp)
  GROUP BY ALL
), plan0 AS (
  SELECT k.indicator, x.target AS unit, sum(k.pl) AS plan
  FROM keyed k JOIN xwalk x ON x.unit = k.unit
  WHERE k.pl IS NOT NULL AND k.period = $year GROUP BY ALL
), plan AS (
  SELECT * FROM plan0
  UNION ALL
  SELECT indicator, 'VN', sum(plan) FROM plan0 p WHERE unit <> 'VN'
    AND NOT EXISTS (SELECT 1 FROM plan0 n WHERE n.unit = 'VN' AND n.indicator = p.indicator)
  GROUP BY ALL
), cur AS (SELECT * FROM withnat WHERE tp = $cur),
prev AS (SELECT * FROM withnat WHERE tp = $prev),
keys AS (SELECT indicator, unit FROM cur UNION SELECT indicator, unit FROM prev
         UNION SELECT indicator, unit FROM plan)
SELECT k.indicator, k.unit, c.value, p.value AS previous, pl.plan,
       round(c.value / p.value * 100 - 100, 2) AS change_pct,
       round(c.value / pl.plan * 100, 2) AS plan_pct,
       CASE WHEN k.unit <> 'VN' THEN round(c.value / n.value * 100, 2) END AS share_pct,
       CASE WHEN k.unit <> 'VN' AND c.value IS NOT NULL THEN
         row_number() OVER (PARTITION BY k.indicator, k.unit <> 'VN', c.value IS NULL
           ORDER BY CASE WHEN i.direction = 'lower_better' THEN c.value ELSE -c.value END)
       END AS rank
FROM keys k JOIN ind i ON i.code = k.indicator
LEFT JOIN cur c USING (indicator, unit) LEFT JOIN prev p USING (indicator, unit)
LEFT JOIN plan pl USING (indicator, unit)
LEFT JOIN cur n ON n.indicator = k.indicator AND n.unit = 'VN'
"""


def duckdb_load(engine: Engine, p: Period, inds: list[BenchIndicator], xw: dict[str, str]):  # type: ignore[no-untyped-def]
    """An in-memory DuckDB holding the same rows (from pandas) and the lookup tables."""
    import duckdb
    import pandas as pd

    con = duckdb.connect(":memory:")
    df = read_rows(engine, p)
    for col in ("indicator", "unit", "period", "kind", "status"):
        df[col] = df[col].astype("category")  # DuckDB ENUMs: what a columnar load would do
    con.register("obs_df", df)
    con.execute("CREATE TABLE obs AS SELECT * FROM obs_df")
    con.register("xwalk_df", pd.DataFrame({"unit": list(xw), "target": list(xw.values())}))
    con.execute("CREATE TABLE xwalk AS SELECT * FROM xwalk_df")
    idf = pd.DataFrame(
        {"code": [i.code for i in inds], "time_rule": [i.time_rule for i in inds],
         "direction": [i.direction for i in inds]}
    )  # fmt: skip
    con.register("ind_df", idf)
    con.execute("CREATE TABLE ind AS SELECT * FROM ind_df")
    rows = [
        (m.id, q.id, q.months()[-1].id, q.n_months)
        for q in (p, p.same_period_last_year())
        for m in q.months()
    ]
    cols = ["period", "target_period", "last_month", "n"]
    con.register("months_df", pd.DataFrame(rows, columns=cols))
    con.execute("CREATE TABLE months AS SELECT * FROM months_df")
    return con


def duckdb_summary(con: Any, p: Period) -> list[tuple[Any, ...]]:
    """The one aggregate query; returns its rows."""
    params = {"year": str(p.year), "cur": p.id, "prev": p.same_period_last_year().id}
    return con.execute(DUCK_SQL, params).fetchall()
