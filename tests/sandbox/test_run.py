"""Starting and stopping the sandbox, in-process and as `python -m sandbox`."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from sandbox.run import SandboxConfig, start_sandbox
from sandbox.server import SandboxError
from shared.config import Settings

pytestmark = pytest.mark.sandbox
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        yield blocker.getsockname()[1]


def test_a_taken_port_is_a_clear_error_naming_it(tmp_path: Path, taken_port: int) -> None:
    config = SandboxConfig(state_dir=tmp_path).on_free_ports()
    started = time.monotonic()

    with pytest.raises(SandboxError, match=f"port {taken_port} for the Business Central simulator"):
        start_sandbox(replace(config, bc_port=taken_port))

    assert time.monotonic() - started < 2


def test_ports_are_released_on_stop(tmp_path: Path) -> None:
    with start_sandbox(SandboxConfig(state_dir=tmp_path).on_free_ports()) as first:
        ports = dict(first.ports)
    config = SandboxConfig(
        state_dir=tmp_path,
        token_port=ports["token"],
        ecppro_port=ports["ecppro"],
        bc_port=ports["business_central"],
        dataverse_port=ports["dataverse"],
    )
    with start_sandbox(config) as second:
        assert second.ports == ports


def test_client_settings_use_the_hubs_setting_names(tmp_path: Path) -> None:
    with start_sandbox(SandboxConfig(state_dir=tmp_path).on_free_ports()) as sandbox:
        settings = sandbox.client_settings()
        path = sandbox.write_settings_file()

    assert set(settings) <= Settings.setting_names()
    assert settings["HUB_AUTHORITY_HOST"].startswith("https://127.0.0.1:")
    assert settings["BC_SCOPE"] == "https://api.businesscentral.dynamics.com/.default"
    assert Path(settings["HUB_CA_BUNDLE"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert json.loads(path.read_text()) == settings
    # It holds the sandbox's client secret and EcpPro key: readable by the owner only.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = Settings(**settings, HUB_STORAGE_CONNECTION="UseDevelopmentStorage=true")
    assert loaded.bc_company_id == settings["BC_COMPANY_ID"]


def run_cli(tmp_path: Path, *ports: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--state-dir", str(tmp_path), *ports, "--tenants", "3"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_module_runs_until_sigterm_and_publishes_its_settings(tmp_path: Path) -> None:
    free = ["--token-port", "0", "--ecppro-port", "0", "--bc-port", "0", "--dataverse-port", "0"]
    process = run_cli(tmp_path, *free)
    settings_file = tmp_path / "sandbox.json"
    try:
        deadline = time.monotonic() + 15
        while not settings_file.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        settings = json.loads(settings_file.read_text())
        headers = {
            "X-Customer-Id": settings["ECPPRO_CUSTOMER_ID"],
            "X-Secret-Key": settings["ECPPRO_SECRET_KEY"],
        }
        with requests.Session() as http:
            http.trust_env = False
            tenants = http.get(f"{settings['ECPPRO_BASE_URL']}/tenants", headers=headers, timeout=5)
        assert tenants.json()["totalCount"] == 3
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)

    assert process.returncode == 0, stderr
    assert settings["ECPPRO_BASE_URL"] in stdout
    assert not settings_file.exists()


def test_module_exits_at_once_when_a_port_is_taken(tmp_path: Path, taken_port: int) -> None:
    process = run_cli(
        tmp_path,
        "--token-port",
        str(taken_port),
        "--ecppro-port",
        "0",
        "--bc-port",
        "0",
        "--dataverse-port",
        "0",
    )
    _, stderr = process.communicate(timeout=15)

    assert process.returncode == 1
    assert f"port {taken_port} for the Entra token simulator is already in use" in stderr
