"""plotly.js's style sheets as files, so that pages need no inline style (the CSP has no
``'unsafe-inline'``).

When plotly.min.js loads it writes style sheets into the page as ``<style>`` elements, which a
``style-src 'self'`` policy refuses: its own rules (mode bar, hover labels, notifier) into
``<style id="plotly.js-style-global">``, unless an element with that id and the class
``no-inline-styles`` is there already (plotly.js ≥ 2.35), and maplibre's rules into a
``<style>`` whose id is a hash, unless an element with that id is there already. This module
reads both from the installed plotly.min.js (served from the wheel, never copied into git, so
the sheets always match it) and serves them as files; ``/vendor/plotly-styles.js``, loaded
just before plotly.min.js, puts a ``<link>`` with the expected id for each into the page's
head, so plotly.js finds them and injects nothing. A plotly.js that writes a ``<style>`` some
other way makes :func:`sheets` fail (and the tests with it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from chitieu.web.errors import NotFound

#: plotly.js's own rules: an object of selector → declarations and the loop that writes them
_RULES = re.compile(
    r"(?P<var>[\w$]+)=\{(?P<body>\"X,X div\":.*?)\};for\((?P<key>[\w$]+) in (?P=var)\)"
    r"(?P<sel>[\w$]+)=(?P=key)(?P<chain>(?:\.replace\([^()]*\))+),"
)
_STRING = r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
_PAIR = re.compile(rf"(?P<k>{_STRING}|[A-Za-z_$][\w$]*):(?P<v>{_STRING}),?")
#: how plotly.js turns a key into a selector (checked: a new rewriting is not guessed at)
_CHAIN = "".join(
    (
        '.replace(/^,/," ,")',
        '.replace(/X/g,".js-plotly-plot .plotly")',
        '.replace(/Y/g,".plotly-notifier")',
    )
)
#: a bundled library's sheet, written once under an id unless that id is taken
_BUNDLED = re.compile(
    r'if\(!document\.getElementById\("(?P<id>[^"]+)"\)\)\{var (?P<v>[\w$]+)='
    r'document\.createElement\("style"\);(?P=v)\.id="(?P=id)",(?P=v)\.textContent='
    rf"(?P<css>{_STRING})"
)
_GLOBAL_ID = "plotly.js-style-global"


class PlotlyCssError(RuntimeError):
    """plotly.min.js does not hold its style sheets the way this module reads them."""


@dataclass(frozen=True)
class Sheet:
    """A style sheet plotly.js would write into the page, and the element that stops it."""

    element_id: str
    css: str
    css_class: str = ""


def _unquote(text: str) -> str:
    if text[:1] not in ("'", '"'):
        return text  # a bare identifier key
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def global_css(js: str) -> str:
    """plotly.js's own rules (from ``js``, the text of plotly.min.js) as a style sheet."""
    m = _RULES.search(js)
    if m is None:
        raise PlotlyCssError("plotly.min.js: its style rules were not found")
    if m["chain"] != _CHAIN:
        raise PlotlyCssError(f"plotly.min.js: unknown selector rewriting {m['chain']}")
    rules: list[str] = []
    body, pos = m["body"], 0
    while pos < len(body):
        pair = _PAIR.match(body, pos)
        if pair is None:
            raise PlotlyCssError(
                f"plotly.min.js: cannot read the rules at {body[pos : pos + 60]!r}"
            )
        selector = (
            re.sub(r"^,", " ,", _unquote(pair["k"]))
            .replace("X", ".js-plotly-plot .plotly")
            .replace("Y", ".plotly-notifier")
        )
        rules.append(f"{selector}{{{_unquote(pair['v'])}}}")
        pos = pair.end()
    # plotly.js inserts each rule at the top of its sheet: the last one comes first
    return "\n".join(reversed(rules)) + "\n"


def sheets_of(js: str) -> tuple[Sheet, ...]:
    """Every style sheet plotly.min.js (the text ``js``) would write into a page."""
    found = [Sheet(_GLOBAL_ID, global_css(js), "no-inline-styles")]
    found += [Sheet(m["id"], _unquote(m["css"])) for m in _BUNDLED.finditer(js)]
    writers = js.count('createElement("style")')
    if writers != len(found):
        raise PlotlyCssError(
            f"plotly.min.js writes {writers} <style> elements; {len(found)} of them are known"
        )
    return tuple(found)


def plotly_js() -> Path:
    """plotly.min.js as shipped inside the plotly wheel (served, not copied into git)."""
    spec = find_spec("plotly")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"


@cache
def sheets() -> tuple[Sheet, ...]:
    """The style sheets of the installed plotly.min.js (read once per process)."""
    return sheets_of(plotly_js().read_text(encoding="utf-8"))


def loader_js() -> str:
    """A script that, run before plotly.min.js, links each sheet under the id plotly.js
    looks for (so it writes no ``<style>``)."""
    links = [[s.element_id, s.css_class, f"/vendor/plotly-{i}.css"] for i, s in enumerate(sheets())]
    return (
        "// plotly.js's style sheets as files (chitieu.web.plotly_css): no inline style\n"
        f"{json.dumps(links)}.forEach(function (s) {{\n"
        "  if (document.getElementById(s[0])) { return; }\n"
        '  var l = document.createElement("link");\n'
        '  l.id = s[0]; l.rel = "stylesheet"; l.href = s[2];\n'
        "  if (s[1]) { l.className = s[1]; }\n"
        "  document.head.appendChild(l);\n"
        "});\n"
    )


router = APIRouter(include_in_schema=False)
_CACHE = {"Cache-Control": "public, max-age=86400"}


@router.get("/vendor/plotly-styles.js")
def plotly_styles() -> Response:
    """The script that links plotly.js's style sheets (load it just before plotly.min.js)."""
    return Response(loader_js(), media_type="text/javascript", headers=_CACHE)


@router.get("/vendor/plotly-{index}.css")
def plotly_sheet(index: int) -> Response:
    """One of plotly.js's style sheets."""
    got = sheets()
    if not 0 <= index < len(got):
        raise NotFound("There is no such page.")
    return Response(got[index].css, media_type="text/css", headers=_CACHE)
