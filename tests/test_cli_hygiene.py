"""CLI hygiene (issue 17, item 10): unknown codes are usage errors with the closest codes,
--lang takes vi or en only, a bad option value exits 2, a closed output pipe exits 0."""

import os
import subprocess

import pytest

from test_cli import EXE, run


@pytest.fixture
def db(demo_sqlite):
    return demo_sqlite


@pytest.mark.parametrize(
    ("args", "closest"),
    [
        (["summary", "-p", "2023S1", "-i", "ICT_REVENU"], "ICT_REVENUE"),
        (["completeness", "-p", "2023S1", "--form", "TTTT6T"], "TTTT-6T"),
    ],
)
def test_an_unknown_code_is_a_usage_error_with_the_closest_codes(db, args, closest):
    vi = run(*args, db=db, check=False)
    assert vi.returncode == 2 and closest in vi.stderr and "không có" in vi.stderr
    en = run(*args, "--lang", "en", db=db, check=False)
    assert en.returncode == 2 and closest in en.stderr and "unknown" in en.stderr
    assert "Traceback" not in vi.stderr + en.stderr


def test_an_unknown_code_far_from_any_lists_them_all(db):
    got = run("summary", "-p", "2023S1", "-i", "XYZ", "--lang", "en", db=db, check=False)
    assert got.returncode == 2 and "indicator codes: ICT_REVENUE" in got.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["summary", "-p", "2023S1", "--lang", "fr"],
        ["units", "--as-of", "2025-13-01"],
        ["completeness", "-p", "2023S1", "--form", "TTTT-6T", "--round", "nope"],
    ],
)
def test_a_bad_option_value_exits_2(db, args):
    got = run(*args, db=db, check=False)
    assert got.returncode == 2 and "Traceback" not in got.stderr, got.stderr


def test_lang_from_the_environment_is_checked_too(db):
    env = {**os.environ, "CHITIEU_DB": db, "CHITIEU_LANG": "fr"}
    got = subprocess.run([EXE, "summary", "-p", "2023S1"], capture_output=True, text=True,
                         env=env)  # fmt: skip
    assert got.returncode == 2 and "--lang" in got.stderr


def test_a_closed_output_pipe_exits_0(db):
    env = {**os.environ, "CHITIEU_DB": db}
    args = [EXE, "summary", "-p", "2023S1", "-u", "all", "--boundaries", "as_reported", "--json"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stdout.read(10)  # `| head -c 10`
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err and b"Error" not in err
