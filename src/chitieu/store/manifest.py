"""A backup's manifest: read with limits, checked field by field, signed and verified.

The manifest (``manifest.json`` of a backup, ``store/backup.py``) names every table of the
backup with its row count and the SHA-256 of its member, so the manifest binds the whole
file: a restore checks each member against it. What binds the manifest is its signature:
with a key in ``CHITIEU_BACKUP_KEY``, ``chitieu backup`` writes ``manifest.hmac``, the
HMAC-SHA256 of the manifest's bytes under that key, and ``chitieu restore`` verifies it before
it reads anything else. A signature that does not match (the file was altered, forged, or
signed with another key) is refused, always; a backup without one is refused while a key is
set, unless the operator accepts it explicitly (``--accept-unsigned``: a backup made before
the key was set). Without a key nothing is verified, as before.

Everything read from the file is untrusted until checked: the manifest is read up to
:data:`MANIFEST_MAX` bytes and checked field by field (types, whole numbers, finite, names of
tables and columns), and a table's lines are read up to the line limit (``CHITIEU_BACKUP_LINE_MB``,
default :data:`LINE_MB` MiB): a failure is "damaged" (exit 2), never an internal error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chitieu.errors import ChitieuError, InputFileError

FORMAT = "chitieu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.hmac"
ALGORITHM = "HMAC-SHA256"
#: the environment variable holding the backup key (at least :data:`KEY_MIN` characters)
KEY_ENV = "CHITIEU_BACKUP_KEY"
KEY_MIN = 16
#: the largest manifest read, in bytes (a store of a thousand tables needs well under 1 MiB)
MANIFEST_MAX = 16 << 20
#: the longest line of a table read by a restore (and written by a backup), in MiB; the
#: environment's ``CHITIEU_BACKUP_LINE_MB`` overrides it
LINE_MB = 64
LINE_ENV = "CHITIEU_BACKUP_LINE_MB"
#: how the file writes each kind of column (store/backup.py ``_kind``)
KINDS = frozenset({"json", "datetime", "date", "bytes", "bool", "int", "float", "text"})

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_REVISION = re.compile(r"[0-9A-Za-z_]{1,32}")


class RestoreRefused(ChitieuError):
    """A restore that would lose data or cannot fit this chitieu (exit 1, nothing changed)."""

    exit_code = 1


class Damaged(ValueError):
    """A field of the manifest is not what a backup writes (the restore says: damaged)."""


# ----------------------------------------------------------------------------- the key


def backup_key() -> bytes | None:
    """The backup key of the environment (None if unset or empty); a key shorter than
    :data:`KEY_MIN` characters is refused (exit 2)."""
    text = os.environ.get(KEY_ENV, "")
    if not text:
        return None
    if len(text) < KEY_MIN:
        raise InputFileError(code="backup-key-short", name=KEY_ENV, n=len(text), min=KEY_MIN)
    return text.encode("utf-8")


def key_id(key: bytes) -> str:
    """A short name of a key that tells two keys apart and reveals nothing of it."""
    return hmac.new(key, b"chitieu-backup-key-id", hashlib.sha256).hexdigest()[:12]


def line_limit() -> int:
    """The longest line of a backup, in bytes (``CHITIEU_BACKUP_LINE_MB``, else :data:`LINE_MB`)."""
    text = os.environ.get(LINE_ENV, "").strip()
    if not text:
        return LINE_MB << 20
    try:
        mb = float(text.replace("_", ""))
    except ValueError:
        mb = -1
    if not 0 < mb < 1 << 20:
        raise InputFileError(code="input-bad-limit", name=LINE_ENV, text=text)
    return int(mb * (1 << 20))


def sign(data: bytes, key: bytes) -> bytes:
    """The signature member of a manifest's bytes."""
    mac = hmac.new(key, data, hashlib.sha256).hexdigest()
    return json.dumps({"algorithm": ALGORITHM, "key_id": key_id(key), "hmac": mac}).encode()


# ----------------------------------------------------------------------------- reading


@dataclass
class Manifest:
    """A manifest read and checked, and what its signature said."""

    data: dict[str, Any]
    #: "verified" (signed with the key set), "accepted" (unsigned, accepted explicitly),
    #: "unchecked" (no key set: nothing verified)
    signature: str
    key_id: str | None = None


def _member(zf: zipfile.ZipFile, name: str, limit: int, file: Path) -> bytes | None:
    """A member's bytes (None if absent), at most ``limit`` of them."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    with zf.open(info) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        detail = f"{name} is larger than {limit >> 20} MiB"
        raise InputFileError(code="backup-damaged", file=str(file), detail=detail)
    return data


def read_manifest(file: Path, *, accept_unsigned: bool = False) -> Manifest:
    """The manifest of the backup ``file``, its signature verified (see the module) and its
    fields checked. Raises :class:`InputFileError` (exit 2) for a file that is not a backup,
    damaged or forged, :class:`RestoreRefused` (exit 1) for a newer format or an unsigned
    backup while a key is set (unless ``accept_unsigned``)."""
    key = backup_key()
    try:
        with zipfile.ZipFile(file) as zf:
            data = _member(zf, MANIFEST, MANIFEST_MAX, file)
            sig = _member(zf, SIGNATURE, 4096, file)
    except FileNotFoundError as exc:
        raise InputFileError(code="backup-unreadable", file=str(file), detail="not found") from exc
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise InputFileError(code="backup-not-a-backup", file=str(file)) from exc
    if data is None:
        raise InputFileError(code="backup-not-a-backup", file=str(file))
    signature, kid = _verify(data, sig, key, accept_unsigned, file)
    try:
        manifest = json.loads(data, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise InputFileError(code="backup-not-a-backup", file=str(file)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputFileError(code="backup-not-a-backup", file=str(file))
    try:
        version = _whole(manifest.get("format_version"), "format_version", 1)
        if version > FORMAT_VERSION:
            raise RestoreRefused(
                code="backup-format-newer", file=str(file), version=version, known=FORMAT_VERSION
            )
        check(manifest)
    except Damaged as exc:
        raise InputFileError(code="backup-damaged", file=str(file), detail=str(exc)) from exc
    return Manifest(manifest, signature, kid)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a backup writes")


def _verify(
    data: bytes, sig: bytes | None, key: bytes | None, accept_unsigned: bool, file: Path
) -> tuple[str, str | None]:
    """("verified" | "accepted" | "unchecked", the signing key's id)."""
    signed_with = None
    mac = None
    if sig is not None:
        try:
            got = json.loads(sig)
            if got.get("algorithm") == ALGORITHM:
                signed_with, mac = str(got.get("key_id")), str(got.get("hmac"))
        except (ValueError, AttributeError, RecursionError):
            pass
        if mac is None:
            raise InputFileError(code="backup-damaged", file=str(file), detail=SIGNATURE)
    if key is None:
        return "unchecked", signed_with
    if mac is None:
        if accept_unsigned:
            return "accepted", None
        raise RestoreRefused(code="backup-unsigned", file=str(file), name=KEY_ENV)
    want = hmac.new(key, data, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, mac):
        raise InputFileError(
            code="backup-signature-bad", file=str(file), signed=signed_with or "?",
            configured=key_id(key), name=KEY_ENV,
        )  # fmt: skip
    return "verified", signed_with


# ----------------------------------------------------------------------------- checking


def _whole(value: Any, what: str, low: int = 0) -> int:
    """``value`` if it is a whole number (not a boolean) of at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low or value >= 1 << 63:
        raise Damaged(f"{what}: {str(value)[:40]!r} is not a whole number from {low}")
    return value


def _text(value: Any, what: str, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or (pattern is not None and not pattern.fullmatch(value)):
        raise Damaged(f"{what}: {str(value)[:40]!r} is not valid")
    return value


def check(manifest: dict[str, Any]) -> None:
    """Check every field a restore reads (raises :class:`Damaged` naming the first bad one)."""
    _whole(manifest.get("format_version"), "format_version", 1)
    _text(manifest.get("revision"), "revision", _REVISION)
    for field in ("backend", "created_at"):
        _text(manifest.get(field), field)
    _text(manifest.get("chitieu", ""), "chitieu")
    tables = manifest.get("tables")
    if not isinstance(tables, list) or not tables:
        raise Damaged("tables: not a list of tables")
    seen: set[str] = set()
    for i, spec in enumerate(tables):
        if not isinstance(spec, dict):
            raise Damaged(f"tables[{i}]: not a table")
        name = _text(spec.get("name"), f"tables[{i}].name", _NAME)
        if name in seen:
            raise Damaged(f"table {name} is listed twice")
        seen.add(name)
        if spec.get("file") != f"tables/{name}.jsonl":
            raise Damaged(f"{name}.file: {str(spec.get('file'))[:60]!r}")
        _whole(spec.get("rows"), f"{name}.rows")
        _text(spec.get("sha256"), f"{name}.sha256", _HEX64)
        _columns(name, spec.get("columns"))
        keys = spec.get("primary_key", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise Damaged(f"{name}.primary_key: not a list of column names")


def _columns(table: str, columns: Any) -> None:
    if not isinstance(columns, list) or not columns:
        raise Damaged(f"{table}.columns: not a list of columns")
    names: set[str] = set()
    for j, col in enumerate(columns):
        if not isinstance(col, dict):
            raise Damaged(f"{table}.columns[{j}]: not a column")
        name = _text(col.get("name"), f"{table}.columns[{j}].name", _NAME)
        if name in names:
            raise Damaged(f"{table}.{name} is listed twice")
        names.add(name)
        if col.get("kind") not in KINDS:
            raise Damaged(f"{table}.{name}.kind: {str(col.get('kind'))[:20]!r}")
