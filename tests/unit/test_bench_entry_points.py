"""Every documented way to start a benchmark finds the project's packages, from any directory.

`make bench` runs `python -m bench` (all of them, or the ones named); the README also
shows `python bench/<name>.py` and `python -m bench.<name>`. `--help` is enough to prove the imports resolve (a benchmark's
run takes minutes and belongs to `make bench`, not to the tests).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = sorted(p.stem for p in (ROOT / "bench").glob("*.py") if not p.stem.startswith("_"))


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("name", BENCHMARKS)
def test_a_benchmark_script_runs_by_path_from_another_directory(name: str, tmp_path: Path) -> None:
    done = run([str(ROOT / "bench" / f"{name}.py"), "--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


@pytest.mark.parametrize("name", BENCHMARKS)
def test_a_benchmark_runs_as_a_module(name: str) -> None:
    done = run(["-m", f"bench.{name}", "--help"], ROOT)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


def test_bench_runs_the_benchmarks_it_names_and_refuses_others(tmp_path: Path) -> None:
    done = run(["-m", "bench", "--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert all(name in done.stdout for name in BENCHMARKS)
    refused = run(["-m", "bench", "nosuch"], tmp_path)
    assert refused.returncode == 2
    assert "no benchmark nosuch" in refused.stderr


def test_the_benchmarks_are_found() -> None:
    assert {"invoices", "masters", "staging"} <= set(BENCHMARKS)
