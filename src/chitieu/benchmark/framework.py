"""The publishing indicator framework (pillars, indicators, method, peers), loaded from YAML.

The shipped ``data/framework.yaml`` is checked when loaded; every problem is listed at once
in one CatalogError, as for the indicator catalog.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from chitieu.catalog.datafiles import load_yaml
from chitieu.catalog.indicators import Text
from chitieu.errors import CatalogError

NORMALISATIONS = ("minmax", "goalposts", "zscore")
AGGREGATIONS = ("arithmetic", "geometric")
IMPUTATIONS = ("none", "mean", "median")
DIRECTIONS = ("higher_better", "lower_better")
RECIPES = ("value", "ratio", "growth")
TRANSFORMS = ("none", "log")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_ISO3 = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class InputSpec:
    """Which reference input a recipe reads, and in which units."""

    input: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class Recipe:
    """One way to compute an indicator: value, ratio (num/den × factor) or growth."""

    kind: str
    num: InputSpec
    den: InputSpec | None = None
    factor: float = 1.0
    same_unit: bool = False


@dataclass(frozen=True)
class BenchIndicator:
    """An indicator of the framework."""

    code: str
    pillar: str
    name: Text
    unit: Text
    direction: str
    decimals: int
    weight: float
    goalposts: tuple[float, float]
    goalposts_note: Text
    recipes: tuple[Recipe, ...]
    definition: Text
    caveats: Text
    transform: str = "none"  # none | log (log10(1 + x) before normalising)

    @property
    def sign(self) -> int:
        """+1 if higher is better, −1 if lower is better."""
        return 1 if self.direction == "higher_better" else -1


@dataclass(frozen=True)
class Pillar:
    """A group of indicators with a weight."""

    code: str
    name: Text
    weight: float
    indicators: tuple[BenchIndicator, ...]


@dataclass(frozen=True)
class Method:
    """Defaults of the index and of its uncertainty analysis."""

    before: int
    after: int
    min_coverage: float
    min_countries: int
    normalisation: str
    aggregation: str
    imputation: str
    runs: int
    seed: int
    weight_noise: float
    normalisations: tuple[str, ...]
    aggregations: tuple[str, ...]
    imputations: tuple[str, ...]


@dataclass(frozen=True)
class Framework:
    """The whole framework."""

    version: str
    method: Method
    pillars: tuple[Pillar, ...]
    countries: dict[str, Text]
    regions: dict[str, tuple[Text, tuple[str, ...]]]
    comparison_name: Text
    comparison_regions: tuple[str, ...]
    inputs: dict[str, dict[str, Any]]
    currencies: tuple[str, ...]
    retrieved_via: tuple[str, ...]
    exclude_markers: tuple[str, ...]
    caution_markers: tuple[str, ...]
    source_preference: tuple[str, ...]
    store_inputs: dict[str, dict[str, Any]]
    store_country: str
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def indicators(self) -> list[BenchIndicator]:
        """All indicators, pillar by pillar."""
        return [i for p in self.pillars for i in p.indicators]

    def indicator(self, code: str) -> BenchIndicator:
        """The indicator ``code``."""
        for i in self.indicators:
            if i.code == code:
                return i
        raise KeyError(code)

    def region_of(self, iso3: str) -> str | None:
        """The region a country belongs to."""
        for code, (_, members) in self.regions.items():
            if iso3 in members:
                return code
        return None

    def comparison_members(self) -> list[str]:
        """Countries of the comparison region (ASEAN and East Asia)."""
        return [c for r in self.comparison_regions for c in self.regions[r][1]]

    def unit_allowed(self, input_code: str, unit: str) -> bool:
        """Whether ``unit`` is allowed for reference input ``input_code``."""
        allowed = self.inputs.get(input_code, {}).get("units", [])
        return unit in allowed or ("currency" in allowed and is_currency(unit, self.currencies))


def is_currency(unit: str, currencies: tuple[str, ...]) -> bool:
    """True for units such as ``VND million``."""
    parts = unit.split(" ")
    return len(parts) == 2 and parts[0] in currencies and parts[1] == "million"


def _nfc(obj: Any) -> Any:
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, list):
        return [_nfc(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _nfc(v) for k, v in obj.items()}
    return obj


class _Checker:
    """Collects problems while reading the YAML."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def text(self, v: Any, where: str) -> Text:
        if not isinstance(v, dict) or not all(isinstance(v.get(k), str) for k in ("vi", "en")):
            self.problems.append(f"{where}: needs vi and en text")
            return Text("", "")
        return Text(v["vi"], v["en"])

    def choice(self, v: Any, options: tuple[str, ...], where: str) -> str:
        if v not in options:
            self.problems.append(f"{where}: '{v}' is not one of {', '.join(options)}")
        return str(v)

    def number(self, v: Any, where: str, positive: bool = False) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.problems.append(f"{where}: '{v}' is not a number")
            return 0.0
        if positive and v <= 0:
            self.problems.append(f"{where}: must be > 0, got {v}")
        return float(v)

    def spec(self, v: Any, where: str, inputs: dict[str, Any]) -> InputSpec:
        if not isinstance(v, dict) or v.get("input") not in inputs:
            self.problems.append(f"{where}: input must be one of {', '.join(inputs)}")
            return InputSpec("", ())
        return InputSpec(v["input"], tuple(v.get("units") or ()))

    def recipe(self, v: Any, where: str, inputs: dict[str, Any]) -> Recipe | None:
        if not isinstance(v, dict) or len(v) != 1 or next(iter(v)) not in RECIPES:
            self.problems.append(f"{where}: a recipe is one of {', '.join(RECIPES)}")
            return None
        kind, body = next(iter(v.items()))
        if kind == "ratio":
            return Recipe(
                kind,
                self.spec(body.get("num"), f"{where}.num", inputs),
                self.spec(body.get("den"), f"{where}.den", inputs),
                self.number(body.get("factor", 1), f"{where}.factor", positive=True),
                bool(body.get("same_unit", False)),
            )
        return Recipe(kind, self.spec(body, where, inputs))

    def indicator(self, raw: Any, pillar: str, where: str, inputs: dict[str, Any]) -> Any:
        code = raw.get("code", "")
        if not _CODE.match(str(code)):
            self.problems.append(f"{where}: code '{code}' must be lower_snake_case")
        gp = raw.get("goalposts")
        if not (isinstance(gp, list) and len(gp) == 2):
            self.problems.append(f"{where}.goalposts: give [low, high]")
            gp = [0, 1]
        lo, hi = (self.number(x, f"{where}.goalposts") for x in gp)
        if hi <= lo:
            self.problems.append(f"{where}.goalposts: high {hi} must exceed low {lo}")
        recipes = [
            self.recipe(r, f"{where}.recipes[{n}]", inputs)
            for n, r in enumerate(raw.get("recipes") or [])
        ]
        if not recipes:
            self.problems.append(f"{where}: needs at least one recipe")
        return BenchIndicator(
            code=code,
            pillar=pillar,
            name=self.text(raw.get("name"), f"{where}.name"),
            unit=self.text(raw.get("unit"), f"{where}.unit"),
            direction=self.choice(raw.get("direction"), DIRECTIONS, f"{where}.direction"),
            decimals=int(self.number(raw.get("decimals", 1), f"{where}.decimals")),
            weight=self.number(raw.get("weight", 1), f"{where}.weight", positive=True),
            goalposts=(lo, hi),
            goalposts_note=self.text(raw.get("goalposts_note"), f"{where}.goalposts_note"),
            recipes=tuple(r for r in recipes if r is not None),
            definition=self.text(raw.get("definition"), f"{where}.definition"),
            caveats=self.text(raw.get("caveats"), f"{where}.caveats"),
            transform=self.choice(raw.get("transform", "none"), TRANSFORMS, f"{where}.transform"),
        )

    def method(self, m: dict[str, Any]) -> Method:
        u = m.get("uncertainty") or {}
        w = m.get("window") or {}
        cov = self.number(m.get("min_coverage"), "method.min_coverage")
        if not 0 < cov <= 1:
            self.problems.append(f"method.min_coverage: must be in (0, 1], got {cov}")
        return Method(
            before=int(self.number(w.get("before"), "method.window.before")),
            after=int(self.number(w.get("after"), "method.window.after")),
            min_coverage=cov,
            min_countries=int(self.number(m.get("min_countries"), "method.min_countries", True)),
            normalisation=self.choice(m.get("normalisation"), NORMALISATIONS, "method"),
            aggregation=self.choice(m.get("aggregation"), AGGREGATIONS, "method"),
            imputation=self.choice(m.get("imputation"), IMPUTATIONS, "method"),
            runs=int(self.number(u.get("runs"), "uncertainty.runs", positive=True)),
            seed=int(self.number(u.get("seed"), "uncertainty.seed")),
            weight_noise=self.number(u.get("weight_noise"), "uncertainty.weight_noise"),
            normalisations=tuple(
                self.choice(x, NORMALISATIONS, "uncertainty") for x in u.get("normalisations", [])
            ),
            aggregations=tuple(
                self.choice(x, AGGREGATIONS, "uncertainty") for x in u.get("aggregations", [])
            ),
            imputations=tuple(
                self.choice(x, IMPUTATIONS, "uncertainty") for x in u.get("imputations", [])
            ),
        )


def _countries(raw: dict[str, Any], ck: _Checker) -> dict[str, Text]:
    """The framework's countries by ISO 3166 alpha-3 code."""
    countries = {k: ck.text(v, f"countries.{k}") for k, v in (raw.get("countries") or {}).items()}
    for k in countries:
        if not _ISO3.match(k):
            ck.problems.append(f"countries.{k}: not an ISO 3166 alpha-3 code")
    return countries


def _regions(
    raw: dict[str, Any], countries: dict[str, Text], ck: _Checker
) -> dict[str, tuple[Text, tuple[str, ...]]]:
    """The framework's regions: code → (name, member countries)."""
    regions = {}
    for code, r in (raw.get("regions") or {}).items():
        members = tuple(r.get("members") or ())
        for m in members:
            if m not in countries:
                ck.problems.append(f"regions.{code}: '{m}' is not in countries")
        regions[code] = (ck.text(r.get("name"), f"regions.{code}.name"), members)
    return regions


def _pillars(raw: dict[str, Any], inputs: dict[str, Any], ck: _Checker) -> list[Pillar]:
    """The framework's pillars with their indicators (each code defined once)."""
    pillars: list[Pillar] = []
    seen: set[str] = set()
    for pn, p in enumerate(raw.get("pillars") or []):
        where = f"pillars[{pn}]"
        inds = []
        for n, i in enumerate(p.get("indicators") or []):
            ind = ck.indicator(i, p.get("code", ""), f"{where}.indicators[{n}]", inputs)
            if ind.code in seen:
                ck.problems.append(f"{where}: indicator '{ind.code}' defined twice")
            seen.add(ind.code)
            inds.append(ind)
        pillars.append(
            Pillar(
                p.get("code", ""),
                ck.text(p.get("name"), f"{where}.name"),
                ck.number(p.get("weight", 1), f"{where}.weight", positive=True),
                tuple(inds),
            )
        )
    return pillars


def load_framework(path: Path | None = None) -> Framework:
    """Read and check a framework file (the shipped one by default)."""
    src = path or resources.files("chitieu.benchmark") / "data" / "framework.yaml"
    try:
        raw = _nfc(load_yaml(src.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{src}: cannot read the framework: {exc}", "fix the YAML") from exc
    ck = _Checker()
    ref = raw.get("reference") or {}
    inputs = ref.get("inputs") or {}
    countries = _countries(raw, ck)
    regions = _regions(raw, countries, ck)
    comp = raw.get("comparison_region") or {}
    for r in comp.get("regions", []):
        if r not in regions:
            ck.problems.append(f"comparison_region: '{r}' is not a region")
    pillars = _pillars(raw, inputs, ck)
    for k, v in (raw.get("store_inputs") or {}).items():
        if v.get("input") not in inputs:
            ck.problems.append(f"store_inputs.{k}: input '{v.get('input')}' is not declared")
    fw = Framework(
        version=str(raw.get("version", "")),
        method=ck.method(raw.get("method") or {}),
        pillars=tuple(pillars),
        countries=countries,
        regions=regions,
        comparison_name=ck.text(comp.get("name"), "comparison_region.name"),
        comparison_regions=tuple(comp.get("regions", [])),
        inputs=inputs,
        currencies=tuple(ref.get("currencies") or ()),
        retrieved_via=tuple(ref.get("retrieved_via") or ()),
        exclude_markers=tuple(ref.get("exclude_markers") or ()),
        caution_markers=tuple(ref.get("caution_markers") or ()),
        source_preference=tuple(ref.get("source_preference") or ()),
        store_inputs=raw.get("store_inputs") or {},
        store_country=str(raw.get("store_country", "VNM")),
        raw=raw,
    )
    if fw.store_country not in countries:
        ck.problems.append(f"store_country: '{fw.store_country}' is not in countries")
    if ck.problems:
        raise CatalogError(
            f"{src}: the benchmark framework has {len(ck.problems)} problem(s):\n  "
            + "\n  ".join(ck.problems),
            "fix the framework YAML",
        )
    return fw


@cache
def framework() -> Framework:
    """The shipped framework (loaded once)."""
    return load_framework()
