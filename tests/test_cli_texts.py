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
#: files whose texts are not yet in data (none: every command speaks through cli.yaml)
NOT_YET: set[str] = set()
#: functions whose texts are not yet in data (none)
OWNED_ELSEWHERE = re.compile(r"(?!)")
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


def _text(node: ast.AST) -> bool:
    """A text (not empty, not a language's code)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value not in ("", "vi", "en")
    return isinstance(node, ast.JoinedStr)


def _by_language(node: ast.AST) -> bool:
    """``"ước" if lang == "vi" else "est."`` or ``{"vi": "…", "en": "…"}``: a text per language."""
    langs = {"vi", "en"}
    if isinstance(node, ast.IfExp):
        told = {n.value for n in ast.walk(node.test) if isinstance(n, ast.Constant)}
        return bool(told & langs) and (_text(node.body) or _text(node.orelse))
    if isinstance(node, ast.Dict):
        keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
        return langs <= keys and all(_text(v) for v in node.values)
    return False


def inline_bilingual(source: str) -> list[tuple[int, str]]:
    """Messages in ``source`` phrased in the code: a string in both languages ("Đã ghi /
    written"), or a text chosen by language."""
    tree = ast.parse(source)
    skip = _documentation(tree) | _owned_elsewhere(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if _by_language(node):
            found.append((getattr(node, "lineno", 0), ast.unparse(node)))
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and _BILINGUAL.search(text) and not text.isascii():
            found.append((getattr(node, "lineno", 0), text))
    return found


def test_the_check_finds_an_inline_bilingual_message() -> None:
    """The check itself: it sees what the commands used to hold, and lets help texts be."""
    before = 'def f():\n    """Sao lưu / back up."""\n    print(f"đã ghi / written: {n}")\n'
    assert [line for line, _ in inline_bilingual(before)] == [3]
    chosen = 'a = "ước" if lang == "vi" else "est."\nb = {"vi": "thấp", "en": "low"}\n'
    assert [line for line, _ in inline_bilingual(chosen)] == [1, 2]
    assert inline_bilingual('x = lang if lang in ("vi", "en") else "vi"\n') == []  # a code
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


def test_the_backup_line_keeps_its_comma(tmp_path: Path) -> None:
    """The backup's line once turned every comma into a dot ("… 20 tables. 105.137 bytes"):
    only the numbers take dots between thousands."""
    from typer.testing import CliRunner

    from chitieu import open_store
    from chitieu.cli.main import app

    db = f"sqlite:///{tmp_path / 'b.db'}"
    open_store(db).engine.dispose()
    args = ["backup", str(tmp_path / "b.zip"), "--db", db]
    res = CliRunner().invoke(app, args, env={"CHITIEU_LANG": "vi"})
    assert res.exit_code == 0, res.output
    assert re.search(r"rows in \d+ tables, [\d.]+ bytes;", res.output), res.output
    assert "Đã sao lưu" in res.output and "backed up" not in res.output  # --lang vi


def test_a_command_speaks_its_lang_and_one_without_speaks_both(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chitieu import open_store
    from chitieu.cli.main import app

    db = f"sqlite:///{tmp_path / 'c.db'}"
    open_store(db).engine.dispose()
    runner = CliRunner()
    en = runner.invoke(app, ["check-store", "--db", db, "--lang", "en"])
    assert en.exit_code == 0 and "the store is healthy." in en.output, en.output
    assert "Kho dữ liệu lành" not in en.output and "rows per table" in en.output
    vi = runner.invoke(app, ["check-store", "--db", db], env={"CHITIEU_LANG": "vi"})
    assert "Kho dữ liệu lành." in vi.output and "healthy" not in vi.output
    bad = runner.invoke(
        app, ["summary", "-p", "2023S1", "-u", "Ha Noii", "--db", db, "--lang", "en"]
    )
    assert "Error:" in bad.output and "Lỗi" not in bad.output, bad.output
    both = runner.invoke(app, ["units", "--as-of", "2024-01-01"])
    assert re.search(r"Đơn vị báo cáo \(\d+\) / Reporting units \(\d+\)", both.output)
