"""The forms benchmark runs end to end on tiny sizes (no timing is asserted)."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_forms_benchmark_quick_run(capsys) -> None:  # type: ignore[no-untyped-def]
    from bench import bench_forms

    bench_forms.main(["--repeat", "1", "--rows", "50", "--sheets", "3"])
    out = capsys.readouterr().out
    assert "long layout, 50 rows" in out and "3 form sheets" in out
    assert "3-sheet import: web upload" in out
