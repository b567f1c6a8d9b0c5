"""A DHIS2 data value set as submitted, whatever its format (JSON, CSV, ADX): the values in
the order given (their ``index`` is what DHIS2's import summary names), the set-level fields
and options, and the problems found while reading it (each a :class:`Conflict`).

The readers (``dhis2_json.py``, ``dhis2_csv.py``, ``adx.py``) are pure functions from bytes to
a :class:`Payload`; ``dhis2_import.py`` resolves the ids, checks and writes through
``collect.ingest``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: import options DHIS2 reads from the query or from the payload itself
OPTION_KEYS = (
    "idScheme",
    "dataElementIdScheme",
    "orgUnitIdScheme",
    "dataSetIdScheme",
    "categoryOptionComboIdScheme",
    "dryRun",
    "importStrategy",
    "atomic",
)
#: the most values one payload may hold (a web request's is ``CHITIEU_DHIS2_MAX_VALUES``)
MAX_VALUES = 1_000_000
#: the deepest nesting a JSON payload may have (a data value set needs 4)
MAX_DEPTH = 8


class PayloadError(ValueError):
    """A payload that cannot be read at all (set level): its place and what is wrong."""

    def __init__(self, code: str, where: str, detail: str, too_large: bool = False) -> None:
        super().__init__(f"{where}: {detail}")
        self.code, self.where, self.detail, self.too_large = code, where, detail, too_large


@dataclass
class RawValue:
    """One data value as submitted (defaults of the set filled in)."""

    index: int
    data_element: str | None = None
    period: str | None = None
    org_unit: str | None = None
    category_option_combo: str | None = None
    attribute_option_combo: str | None = None
    value: Any = None
    comment: str | None = None
    deleted: bool = False
    data_set: str | None = None
    #: ADX: the category attributes (category code → option code)
    categories: dict[str, str] = field(default_factory=dict)
    #: a period already read as chitieu's id (ADX's ``2023-01-01/P6M``)
    period_id: str | None = None
    #: where in the file (CSV: the line; ADX: group and value)
    place: str = ""


@dataclass
class Conflict:
    """A problem of the import, as DHIS2 tells it: a stable code, the object it is about,
    the positions of the values concerned (``-1``: the whole set)."""

    error_code: str
    object: str
    objects: dict[str, str]
    property: str
    indexes: list[int]
    #: chitieu's code of the message (``catalog/data/errors_exchange.yaml``) and its params
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def key(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """Conflicts are merged by code and the objects they are about (as DHIS2 does)."""
        return (self.error_code, self.code, tuple(sorted(self.objects.items())))


@dataclass
class Payload:
    """A data value set as read."""

    fmt: str
    values: list[RawValue] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    data_set: str | None = None
    #: DHIS2 2.43's deletion scope: ``{orgUnits[], periods[], elements[{dataElement,
    #: categoryOptionCombo?}]}``
    deletion: dict[str, Any] | None = None
    conflicts: list[Conflict] = field(default_factory=list)


def truthy(value: Any) -> bool:
    """``true``/``1``/``yes`` (any case) or a true JSON value."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def text(value: Any) -> str | None:
    """A field's text (None for missing or empty)."""
    if value is None:
        return None
    out = str(value).strip()
    return out or None
