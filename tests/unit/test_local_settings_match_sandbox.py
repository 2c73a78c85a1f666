"""`local.settings.example.json` points at the sandbox as `hub sandbox` starts it by default,
so copying it to local.settings.json is all `hub serve` needs on a developer machine."""

from __future__ import annotations

import json
from pathlib import Path

from sandbox.business_central.simulator import AUDIENCE as BC_AUDIENCE
from sandbox.ecppro.simulator import API_PREFIX
from sandbox.run import SandboxConfig

ROOT = Path(__file__).resolve().parents[2]


def test_example_settings_match_the_default_sandbox() -> None:
    values = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    config = SandboxConfig()
    expected = {
        "HUB_AUTHORITY_HOST": f"https://127.0.0.1:{config.token_port}",
        "HUB_TENANT_ID": config.tenant_id,
        "HUB_CLIENT_ID": config.client_id,
        "HUB_CLIENT_SECRET": config.client_secret,
        "HUB_CA_BUNDLE": str(config.state_dir / "ca.pem"),
        "BC_API_URL": f"http://127.0.0.1:{config.bc_port}/v2.0/{config.tenant_id}/"
        f"{config.bc_environment}/api/v2.0",
        "BC_COMPANY_ID": config.bc_company_id,
        "BC_SCOPE": f"{BC_AUDIENCE}/.default",
        "DATAVERSE_URL": f"http://127.0.0.1:{config.dataverse_port}",
        "ECPPRO_BASE_URL": f"http://127.0.0.1:{config.ecppro_port}{API_PREFIX}",
        "ECPPRO_CUSTOMER_ID": config.ecppro_customer_id,
        "ECPPRO_SECRET_KEY": config.ecppro_secret_key,
    }
    assert {name: values.get(name) for name in expected} == expected
