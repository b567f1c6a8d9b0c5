"""SDMX, out: a data structure generated from the catalog, SDMX-CSV 2.0 and SDMX-ML 3.0.

Written with pysdmx (BIS, Apache-2.0: it writes SDMX-CSV 2.0 and SDMX-ML 3.0 structure and
structure-specific data messages offline; sdmx1 writes SDMX-ML 2.1 only), never by hand, and
checked by reading back with the same library (:func:`validate`: the XML against SDMX's
schemas, every value against the structure's code lists).

Structure (``interop/data/sdmx.yaml`` names the agency and the measures):

- dimensions ``INDICATOR`` (the catalog's codes), ``REF_AREA`` (unit ids: ``VN``, ``01@63``,
  ``01@34``: a code of each province system, so a series never changes its meaning at the
  merger), ``KIND`` (ACTUAL, ESTIMATE, PLAN), ``TIME_PERIOD`` (``2023``, ``2023-S1``,
  ``2023-Q2``, ``2023-06``; a cumulative period as ``2023-01-01/P9M``);
- measure ``OBS_VALUE``;
- attributes ``UNIT_MEASURE``, ``UNIT_MULT`` (billion VND: VND × 10⁹), ``OBS_STATUS`` (one
  code by the precedence B over E over P over A), ``BREAK`` (``MERGER_2025`` on the
  observations of the break, an attribute of its own) and ``COMMENT``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

import pyarrow as pa

from chitieu.catalog.datafiles import load_yaml
from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import parse_period
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import MERGER_DATE, Kind, Status
from chitieu.collect.layouts.dhis2_ids import sdmx_period

FORMATS = {
    "csv": "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8",
    "xml": "application/vnd.sdmx.structurespecificdata+xml; version=3.0.0; charset=utf-8",
    "structure": "application/vnd.sdmx.structure+xml; version=3.0.0; charset=utf-8",
}
#: the columns of a data message, in order
COLUMNS = (
    "INDICATOR",
    "REF_AREA",
    "KIND",
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MEASURE",
    "UNIT_MULT",
    "OBS_STATUS",
    "BREAK",
    "COMMENT",
)


@cache
def settings() -> dict[str, Any]:
    """``interop/data/sdmx.yaml``."""
    text = (files("chitieu.interop") / "data" / "sdmx.yaml").read_text(encoding="utf-8")
    return dict(load_yaml(text) or {})


def obs_status(unit: str, period: str, kind: str, status: str) -> tuple[str, str | None]:
    """(OBS_STATUS, BREAK) of an observation: B over E over P over A."""
    p = parse_period(period)
    brk = unit.endswith("@34") and p.same_period_last_year().end < MERGER_DATE
    if brk:
        return "B", "MERGER_2025"
    if kind == Kind.ESTIMATE:
        return "E", None
    return ("A" if status == Status.FINAL else "P"), None


def rows(tables: Iterable[pa.Table]) -> list[dict[str, Any]]:
    """The observations of ``tables`` as SDMX rows (:data:`COLUMNS`)."""
    cat, conf = catalog(), settings()
    out = []
    for table in tables:
        for r in table.to_pylist():
            measure = cat.get(r["indicator"]).measure if r["indicator"] in cat else ""
            unit = conf["measures"].get(measure, {"code": measure.upper() or "NA", "mult": 0})
            status, brk = obs_status(r["unit"], r["period"], r["kind"], r["status"])
            out.append(
                {
                    "INDICATOR": r["indicator"],
                    "REF_AREA": r["unit"],
                    "KIND": r["kind"].upper(),
                    "TIME_PERIOD": sdmx_period(parse_period(r["period"])),
                    "OBS_VALUE": r["value"],
                    "UNIT_MEASURE": unit["code"],
                    "UNIT_MULT": str(unit["mult"]),
                    "OBS_STATUS": status,
                    "BREAK": brk or "",
                    "COMMENT": r["comment"] or "",
                }
            )
    return out


# --- the structure ---------------------------------------------------------------------


def _urn(kind: str, ident: str) -> str:
    c = settings()
    return f"urn:sdmx:org.sdmx.infomodel.{kind}={c['agency']}:{ident}({c['version']})"


@cache
def structure(lang: str = "en") -> dict[str, Any]:
    """The pysdmx artefacts of chitieu's structure: ``concepts``, ``codelists``, ``dsd``,
    ``flow``, ``schema`` (what a data message is written against)."""
    from pysdmx.model import (
        Code,
        Codelist,
        Component,
        Components,
        Concept,
        ConceptScheme,
        Dataflow,
        DataStructureDefinition,
        DataType,
        Role,
        Schema,
    )

    conf = settings()
    agency, version = conf["agency"], conf["version"]
    name = conf["name"][lang]

    def codelist(ident: str, items: Iterable[tuple[str, str]]) -> Any:
        codes = [Code(id=c, name=n or c) for c, n in dict(items).items()]
        return Codelist(id=ident, agency=agency, version=version, name=ident, items=codes)

    units = registry()
    lists = {
        "INDICATOR": codelist("CL_INDICATOR", ((i.code, i.name(lang)) for i in catalog())),
        "REF_AREA": codelist("CL_AREA", ((u.id, u.name) for u in units.all())),
        "KIND": codelist("CL_KIND", ((k, v[lang]) for k, v in conf["kinds"].items())),
        "OBS_STATUS": codelist(
            "CL_OBS_STATUS", ((k, v[lang]) for k, v in conf["obs_status"].items())
        ),
        "BREAK": codelist("CL_BREAK", ((k, v[lang]) for k, v in conf["breaks"].items())),
        "UNIT_MEASURE": codelist(
            "CL_UNIT_MEASURE", ((m["code"], m["code"]) for m in conf["measures"].values())
        ),
    }
    types = {
        "TIME_PERIOD": DataType.PERIOD,
        "OBS_VALUE": DataType.DOUBLE,
        "UNIT_MULT": DataType.INTEGER,
    }
    cs = f"{conf['dsd'].replace('DSD_', 'CS_')}"
    concepts = {
        c: Concept(
            id=c,
            name=c,
            dtype=types.get(c, DataType.STRING),
            urn=_urn("conceptscheme.Concept", cs) + f".{c}",
        )
        for c in COLUMNS
    }
    dims = ("INDICATOR", "REF_AREA", "KIND", "TIME_PERIOD")
    required = {"OBS_STATUS", "UNIT_MEASURE", "UNIT_MULT"}
    comps = []
    for c in COLUMNS:
        role = Role.DIMENSION if c in dims else Role.MEASURE if c == "OBS_VALUE" else Role.ATTRIBUTE
        comps.append(
            Component(
                id=c,
                required=c in dims or c == "OBS_VALUE" or c in required,
                role=role,
                concept=concepts[c],
                local_codes=lists.get(c),
                attachment_level="O" if role == Role.ATTRIBUTE else None,
            )
        )
    components = Components(comps)
    dsd = DataStructureDefinition(
        id=conf["dsd"], agency=agency, version=version, name=name, components=components
    )
    flow = Dataflow(id=conf["flow"], agency=agency, version=version, name=name, structure=dsd)
    scheme = ConceptScheme(
        id=cs, agency=agency, version=version, name=name, items=list(concepts.values())
    )
    schema = Schema(
        context="dataflow", agency=agency, id=conf["flow"], version=version, components=components
    )
    return {
        "concepts": scheme,
        "codelists": list(lists.values()),
        "dsd": dsd,
        "flow": flow,
        "schema": schema,
    }


def _header() -> Any:
    from pysdmx.io.xml.header import Header
    from pysdmx.model import Organisation

    return Header(sender=Organisation(id=settings()["sender"]))


def structure_message(lang: str = "en") -> str:
    """The SDMX-ML 3.0 structure message: concepts, code lists, DSD and dataflow."""
    from pysdmx.io import write_sdmx
    from pysdmx.io.format import Format

    s = structure(lang)
    objs = [s["concepts"], *s["codelists"], s["dsd"], s["flow"]]
    return str(write_sdmx(objs, Format.STRUCTURE_SDMX_ML_3_0, header=_header()))


def data_message(data: list[dict[str, Any]], fmt: str = "csv") -> str:
    """SDMX-CSV 2.0 (``csv``) or SDMX-ML 3.0 structure-specific data (``xml``) of ``data``."""
    import pandas as pd
    from pysdmx.io import write_sdmx
    from pysdmx.io.format import Format
    from pysdmx.io.pd import PandasDataset

    frame = pd.DataFrame(data, columns=list(COLUMNS))
    ds = PandasDataset(structure=structure()["schema"], data=frame)
    if fmt == "csv":
        return str(write_sdmx([ds], Format.DATA_SDMX_CSV_2_0_0))
    return str(write_sdmx([ds], Format.DATA_SDMX_ML_3_0, header=_header()))


def validate(data_text: str, structure_text: str | None = None) -> list[str]:
    """Read a data message back with pysdmx (an SDMX-ML one is validated against SDMX's
    schemas on the way) and check every row against the structure (read back from
    ``structure_text`` if given, else the generated one): every dimension and coded
    attribute in its code list, every observation a number, required components present.
    Returns the problems found (none: valid)."""
    from pysdmx.io import read_sdmx

    if structure_text is not None:
        dsd = next(
            s
            for s in read_sdmx(structure_text).structures or []
            if type(s).__name__ == "DataStructureDefinition"
        )
        components = getattr(dsd, "components", [])
    else:
        components = structure()["dsd"].components
    msg = read_sdmx(data_text)
    problems: list[str] = []
    for ds in msg.data or []:
        frame = getattr(ds, "data", None)
        for comp in components:
            problems += _check_component(comp, frame)
    return problems


def _check_component(comp: Any, frame: Any) -> list[str]:
    if comp.id not in frame.columns:
        return [f"{comp.id}: missing"] if comp.required else []
    col = frame[comp.id].astype(str)
    out = []
    if comp.required and (col == "").any():
        out.append(f"{comp.id}: empty in {int((col == '').sum())} rows")
    codes = comp.local_codes
    if codes is not None:
        allowed = {c.id for c in codes.items} | {""}
        bad = sorted(set(col) - allowed)
        if bad:
            out.append(f"{comp.id}: not in {codes.id}: {bad[:5]}")
    if comp.id == "OBS_VALUE":
        import pandas as pd

        if pd.to_numeric(frame[comp.id], errors="coerce").isna().any():
            out.append("OBS_VALUE: not a number")
    return out
