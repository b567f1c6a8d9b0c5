"""PDF (or PDF/A) of an office file by headless LibreOffice: the slide deck's handout, and an
edition's archive copy of the report (from its DOCX).

Each conversion runs ``soffice --headless --convert-to pdf`` with a private user profile in a
temporary folder (two conversions at once would otherwise fight over one profile and the second
would exit without a file), under a time limit after which the whole process group is killed.
LibreOffice embeds the fonts it uses (subsets); the set-up script installs Noto and DejaVu, whose
glyphs cover Vietnamese. The PDF is written whole or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from chitieu.atomic import atomic_path
from chitieu.errors import ChitieuError

#: how long one conversion may take (seconds); a cold start of Impress takes 3–6 s
TIMEOUT_S = 180.0
#: LibreOffice's ``SelectPdfVersion``: 2 is PDF/A-2b (ISO 19005-2, fonts embedded, no
#: transparency or encryption tricks), the archive's format
PDFA_2B = 2
#: the export filter of each source suffix
_FILTERS = {".pptx": "impress_pdf_Export", ".docx": "writer_pdf_Export"}


class OfficePdfError(ChitieuError):
    """LibreOffice is missing, fails or takes too long (codes ``soffice-*``)."""

    exit_code = 1
    http_status = 503


def soffice() -> str:
    """The LibreOffice program (``CHITIEU_SOFFICE``, else ``soffice`` or ``libreoffice`` on the
    PATH); OfficePdfError saying how to install it when there is none."""
    named = os.environ.get("CHITIEU_SOFFICE")
    found = (
        shutil.which(named) if named else (shutil.which("soffice") or shutil.which("libreoffice"))
    )
    if not found:
        raise OfficePdfError(code="soffice-missing", program=named or "soffice")
    return found


def filter_options(suffix: str, pdfa: bool) -> str:
    """``pdf:<filter>:<JSON options>`` for ``--convert-to`` (LibreOffice 7.4+)."""
    opts = {
        "EmbedStandardFonts": {"type": "boolean", "value": "true"},
        "ExportNotes": {"type": "boolean", "value": "false"},
    }
    if pdfa:
        opts["SelectPdfVersion"] = {"type": "long", "value": str(PDFA_2B)}
    return f"pdf:{_FILTERS[suffix]}:{json.dumps(opts, separators=(',', ':'))}"


def _run(cmd: list[str], timeout_s: float, source: Path) -> None:
    """Run LibreOffice in its own process group; killed whole at the time limit."""
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise OfficePdfError(
            code="soffice-timeout", file=source.name, seconds=f"{timeout_s:.0f}"
        ) from None
    if proc.returncode != 0:
        said = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise OfficePdfError(
            code="soffice-failed", file=source.name, status=proc.returncode, said=" / ".join(said)
        )


def office_pdf(
    source: Path, target: Path, pdfa: bool = False, timeout_s: float = TIMEOUT_S
) -> Path:
    """Convert ``source`` (.pptx or .docx) to the PDF ``target``; PDF/A-2b with ``pdfa``."""
    suffix = source.suffix.lower()
    if suffix not in _FILTERS:
        raise ValueError(f"no PDF export for {suffix} files")
    program = soffice()
    with tempfile.TemporaryDirectory(prefix="chitieu-soffice-") as work:
        profile, out = Path(work) / "profile", Path(work) / "out"
        cmd = [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            filter_options(suffix, pdfa),
            "--outdir",
            str(out),
            str(source.resolve()),
        ]
        _run(cmd, timeout_s, source)
        made = out / f"{source.stem}.pdf"
        if not made.is_file():  # LibreOffice exits 0 when it could not load the file
            raise OfficePdfError(code="soffice-failed", file=source.name, status=0, said="no PDF")
        with atomic_path(target) as tmp:
            shutil.copyfile(made, tmp)
    return target
