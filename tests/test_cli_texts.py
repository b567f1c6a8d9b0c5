"""One text mechanism for the CLI (issue 16, item 7): what a command prints is phrased in
``catalog/data/cli.yaml`` and read through ``catalog.messages.message`` (``cli.common.say``),
never written inline as "tiếng Việt / English" in the code. Typer's ``help=`` texts and the
commands' docstrings (their help) are documentation and stay in the code."""

from __future__ import annotations

import ast
import re
import string
import unicodedata
from importlib.resources import files
from pathlib import Path

import pytest

from chitieu.catalog.datafiles import load_yaml
from chitieu.catalog.messages import message
from chitieu.cli.common import say

CLI = Path(__file__).resolve().parents[1] / "src" / "chitieu" / "cli"
#: files others own this session (their texts move with their own work)
NOT_YET = {"slides_cmds.py"}
#: functions of report_cmds.py that another branch owns (the key tasks' commands)
OWNED_ELSEWHERE = re.compile(r"^tasks_")
_BILINGUAL = re.compile(r"\S / \S")


def _cli_files() -> list[Path]:
    return sorted(p for p in CLI.glob("*.py") if p.name not in NOT_YET)


def _documentation(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are documentation: docstrings and ``help=`` values."""
    out: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            out.add(id(body[0].value))
        if isinstance(node, ast.keyword) and node.arg == "help":
            out.update(id(n) for n in ast.walk(node.value))
    return out


def _owned_elsewhere(tree: ast.AST) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and OWNED_ELSEWHERE.match(node.name):
            out.update(id(n) for n in ast.walk(node))
    return out


def inline_bilingual(source: str) -> list[tuple[int, str]]:
    """Strings in ``source`` that hold a message in both languages ("Đã ghi / written")."""
    tree = ast.parse(source)
    skip = _documentation(tree) | _owned_elsewhere(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Constant):
            continue
        text = node.value
        if isinstance(text, str) and _BILINGUAL.search(text) and not text.isascii():
            found.append((node.lineno, text))
    return found


def test_the_check_finds_an_inline_bilingual_message() -> None:
    """The check itself: it sees what the commands used to hold, and lets help texts be."""
    before = 'def f():\n    """Sao lưu / back up."""\n    print(f"đã ghi / written: {n}")\n'
    assert [line for line, _ in inline_bilingual(before)] == [3]
    helped = 'x = typer.Option("--y", help="Kiểm tra / check only.")\n'
    assert inline_bilingual(helped) == []


@pytest.mark.parametrize("path", _cli_files(), ids=lambda p: p.name)
def test_no_command_holds_an_inline_bilingual_message(path: Path) -> None:
    assert inline_bilingual(path.read_text(encoding="utf-8")) == []


def _texts() -> dict[str, dict[str, str]]:
    raw = (files("chitieu.catalog") / "data" / "cli.yaml").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw)
    data = load_yaml(raw)
    assert isinstance(data, dict)
    return data


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_cli_text_has_vi_and_en_with_the_same_placeholders() -> None:
    for code, entry in _texts().items():
        assert code.startswith("cli-"), code
        assert set(entry) == {"vi", "en"} and all(entry.values()), code
        assert _fields(entry["vi"]) == _fields(entry["en"]), code


def test_every_cli_text_is_used_and_every_used_code_exists() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in CLI.glob("*.py"))
    codes = set(_texts())
    for code in codes:  # said literally, or as a family: say(f"cli-check-{name}")
        family = code.rsplit("-", 1)[0] + "-{"
        assert f'"{code}"' in source or f"'{code}'" in source or family in source, code
    said = set(re.findall(r"""say\(\s*["'](cli-[a-z-]+)["']""", source))
    assert said <= codes, said - codes


def test_say_gives_one_language_or_both() -> None:
    assert say("cli-written-batch", "en", n=3, batch=7) == "written: 3 (batch 7)"
    assert say("cli-written-batch", "vi", n=3, batch=7) == "đã ghi 3 (đợt 7)"
    assert say("cli-written-batch", n=3, batch=7) == "đã ghi 3 (đợt 7) / written: 3 (batch 7)"
    assert message("cli-note", "en") == "note"  # the same mechanism as notices and errors
