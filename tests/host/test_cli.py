"""The `hub` CLI: function listing, one-line errors, and `serve` run as a real process."""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from hub.cli import OneLineFormatter, cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def app_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in-process commands from an empty app root, restoring sys.path afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [*sys.path])
    return tmp_path


@pytest.fixture
def sample_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMPLE_SCHEDULE", "0 */5 * * * *")
    monkeypatch.setenv("SAMPLE_ORDERS_QUEUE", "sample-orders")


def test_functions_lists_trigger_detail_and_auth(sample_settings: None) -> None:
    result = CliRunner().invoke(cli, ["functions", "--app", "tests.host.sample_app"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "TRIGGER", "SCHEDULE", "/", "QUEUE", "/", "ROUTE", "AUTH"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["scheduled_timer"][1:] == ["timerTrigger", "0", "*/5", "*", "*", "*", "*", "-"]
    assert rows["startup_timer"][-4:] == ["(run", "on", "startup)", "-"]
    assert rows["orders_from_bus"][1:] == ["serviceBusTrigger", "sample-orders", "-"]
    assert rows["order_lines"][1:] == [
        "httpTrigger",
        "GET,DELETE",
        "orders/{id:int}/lines/{line?}",
        "anonymous",
    ]
    assert rows["reset_all"][-1] == "admin"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["functions", "--app", "no_such_app"], "cannot import the app module 'no_such_app'"),
        (["functions", "--app", "tests.host.sample_app"], "setting 'SAMPLE_SCHEDULE'"),
        (["serve", "--app", "no_such_app"], "cannot import the app module 'no_such_app'"),
    ],
)
def test_errors_are_one_line_with_exit_code_1(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SAMPLE_SCHEDULE", raising=False)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and message in result.output
    assert "Traceback" not in result.output


def test_core_commands_are_listed() -> None:
    assert {"serve", "azurite", "functions"} <= set(cli.list_commands(None))  # type: ignore[arg-type]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m hub serve` on a free port in an app root holding local.settings.json."""
    settings = {"IsEncrypted": False, "Values": {"GREETING": "from-file", "KEPT": "from-file"}}
    (tmp_path / "local.settings.json").write_text(json.dumps(settings), encoding="utf-8")
    environ = {key: value for key, value in os.environ.items() if not key.startswith("HUB_LOCAL_")}
    environ.update(PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", KEPT="from-env")
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--app", "tests.host.http_app", "--port", "0"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if "Local host running at " in line:
                yield process, line.split("running at ")[1].split()[0]
                break
        else:
            pytest.fail(f"serve exited with code {process.wait()}")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stdout.close()


def test_serve_runs_the_app_with_generated_keys_and_stops_on_sigterm(
    served: tuple[subprocess.Popen[str], str], tmp_path: Path
) -> None:
    process, base_url = served
    keys_file = tmp_path / ".hub" / "host-keys.json"
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    keys = json.loads(keys_file.read_text())
    url = f"{base_url}/api/settings"
    assert requests.get(f"{url}/GREETING", timeout=5).status_code == 401
    assert requests.get(
        f"{url}/GREETING", params={"code": keys["functionKey"]}, timeout=5
    ).text == ("from-file")
    kept = requests.get(f"{url}/KEPT", headers={"x-functions-key": keys["masterKey"]}, timeout=5)
    assert kept.text == "from-env"  # local.settings.json never overrides the environment
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def test_log_lines_escape_what_a_caller_could_use_to_forge_a_line() -> None:
    formatter = OneLineFormatter("[%(asctime)s] %(message)s")
    record = logging.LogRecord("hub.host", logging.INFO, __file__, 1, "invoice %s failed",
                               ("x\r\n[2026-01-01T00:00:00] Executed 'Functions.y' (Succeeded)",), None)  # fmt: skip
    line = formatter.format(record)
    assert "\n" not in line and "\r" not in line
    assert "x\\r\\n[2026-01-01T00:00:00] Executed" in line
