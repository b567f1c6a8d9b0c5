"""Catalog data files: the shipped file of a kind, then the user's files, read as YAML mappings."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

#: libyaml's parser when present (several times faster than the pure-Python one)
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse YAML text safely, with libyaml when present (every data file goes through here)."""
    return yaml.load(text, Loader=LOADER)


def data_files(package: str, name: str, extra: Iterable[Path] | None = None) -> list[Any]:
    """``package``'s shipped ``data/name``, then each extra file (a folder's *.yaml, sorted)."""
    files: list[Any] = [resources.files(package) / "data" / name]
    for p in extra or []:
        files.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    return files


def read_mapping(
    path: Any, problems: list[str], expect: str, allow_empty: bool = True
) -> dict[str, Any]:
    """One file's YAML mapping; a problem naming the file (and ``{}``) if it is not one."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path}: cannot be read as YAML ({exc})")
        return {}
    if data is None and allow_empty:
        return {}
    if not isinstance(data, dict):
        problems.append(f"{path}: must be a mapping with {expect}")
        return {}
    return data
