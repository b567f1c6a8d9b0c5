"""The files of an edition: made byte-stable, hashed, and compared when made again.

A DOCX, PPTX or XLSX is a zip whose entries carry the time they were written, and the workbooks
python-pptx embeds for its charts carry their creation time too; :func:`settle_zip` rewrites
them with the edition's as-of instant, so the same facts give the same bytes. A PDF made by
LibreOffice carries its creation time and a random document id, which no option turns off: its
**content** (the text of every page, by ``pdftotext``) is hashed as well, so a reproduction can
say "same content, another stamp" rather than "differs".
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from chitieu.atomic import atomic_path

_ZIPS = {".docx", ".pptx", ".xlsx"}
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _zip_bytes(data: bytes, when: datetime) -> bytes:
    """The zip ``data`` with every entry's time ``when`` and Office's own dates set to it."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.endswith("docProps/core.xml"):
                body = _STAMP.sub(lambda m: m.group(1) + iso + m.group(2), body)
            elif Path(info.filename).suffix in _ZIPS:
                body = _zip_bytes(body, when)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            dst.writestr(entry, body)
    return out.getvalue()


def settle_zip(path: Path, when: datetime) -> None:
    """Rewrite an Office file so that it holds no time but ``when`` (whole or not at all)."""
    data = _zip_bytes(path.read_bytes(), when)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def sha256(path: Path) -> str:
    """The file's SHA-256 (hex)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def pdf_pages(path: Path) -> list[str] | None:
    """The text of each page of a PDF (``pdftotext``; None when poppler is not installed)."""
    program = shutil.which("pdftotext")
    if program is None:
        return None
    done = subprocess.run(
        [program, "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace").split("\f")[:-1] or [""]


def content_sha256(path: Path) -> str | None:
    """A hash of what a reader sees: a PDF's text page by page (None for other files, whose
    bytes are their content)."""
    if path.suffix.lower() != ".pdf":
        return None
    pages = pdf_pages(path)
    if pages is None:
        return None
    return hashlib.sha256("\f".join(pages).encode("utf-8")).hexdigest()


def describe(root: Path, path: Path) -> dict[str, Any]:
    """A file of the edition: its name under ``root``, size, SHA-256 and content hash."""
    entry: dict[str, Any] = {
        "name": path.relative_to(root).as_posix(),
        "bytes": path.stat().st_size,
        "sha256": sha256(path),
    }
    content = content_sha256(path)
    if content is not None:
        entry["content_sha256"] = content
    return entry


def settle_and_describe(root: Path, when: datetime) -> list[dict[str, Any]]:
    """Every file under ``root``, Office files settled first, described in name order."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    for p in files:
        if p.suffix.lower() in _ZIPS:
            settle_zip(p, when)
    return [describe(root, p) for p in files]


def compare(kept: list[dict[str, Any]], made: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each file of an edition against the same file made again: ``same`` (bytes),
    ``same-content`` (a PDF's text, another creation stamp), ``differs``, ``missing`` (not
    made again) or ``extra`` (made, not in the edition)."""
    now = {f["name"]: f for f in made}
    out = []
    for f in kept:
        g = now.pop(f["name"], None)
        if g is None:
            status = "missing"
        elif g["sha256"] == f["sha256"]:
            status = "same"
        elif f.get("content_sha256") and g.get("content_sha256") == f["content_sha256"]:
            status = "same-content"
        else:
            status = "differs"
        out.append(
            {
                "name": f["name"],
                "status": status,
                "sha256": f["sha256"],
                "now": None if g is None else g["sha256"],
            }
        )
    out += [
        {"name": n, "status": "extra", "sha256": None, "now": g["sha256"]} for n, g in now.items()
    ]
    return out
