"""Every message of the web application (its Python and its templates, as
``scripts/i18n.sh`` extracts them) has its entry in the Vietnamese catalogue, translated, and in
the English one (whose empty translation is the English message itself), and the compiled
catalogues the package ships say the same as the .po files: a page added without its
messages (the dashboard, the map, the pivot, the report page's picker) fails here."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

WEB = Path(str(files("chitieu.web")))
LOCALE = WEB / "locale"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]


def _ids() -> set[str]:
    out: set[str] = set()
    got = extract_from_dir(
        str(WEB),
        METHODS,
        keywords=KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    for _file, _line, message, _comments, _context in got:
        out.add(message[0] if isinstance(message, tuple) else message)
    return out


@pytest.fixture(scope="module")
def ids() -> set[str]:
    return _ids()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_message_has_its_entry(ids, lang):
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        po = {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(fh) if m.id}
    missing = sorted(ids - set(po))
    assert not missing, f"{lang}: no entry for {missing[:20]}"
    if lang == "vi":
        empty = sorted(i for i in ids if not po[i].string or po[i].fuzzy)
        assert not empty, f"vi: not translated: {empty[:20]}"
    with (LOCALE / lang / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        mo = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_mo(fh) if m.id}
    stale = sorted(i for i in ids if po[i].string and mo.get(i) != po[i].string)
    assert not stale, f"{lang}: messages.mo is not compiled from messages.po: {stale[:10]}"
    assert ids >= {"Pivot table", "Colour by", "Saved views", "Each month, one line per year"}
