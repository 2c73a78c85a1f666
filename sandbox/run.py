"""Start and stop the four simulators together, and tell clients where they are.

`start_sandbox(SandboxConfig())` binds all four loopback ports first (a taken port is a
`SandboxError` naming it, and nothing is left running), makes the CA, builds the
simulators and serves each in a background thread:

| simulator | default port | scheme |
|---|---|---|
| Entra token endpoint | 8400 | https (CA in `<state_dir>/ca.pem`) |
| EcpPro | 8401 | http |
| Business Central | 8402 | http |
| Dataverse | 8403 | http |

Port 0 picks a free port. `RunningSandbox.client_settings()` gives the hub's app settings
that point at it; `write_settings_file()` stores them in `<state_dir>/sandbox.json` for
other processes (the CLI, the demo).
"""

from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType

import requests

from sandbox.business_central.simulator import (
    AUDIENCE as BC_AUDIENCE,
)
from sandbox.business_central.simulator import (
    DEFAULT_COMPANY_ID,
    BusinessCentralConfig,
    BusinessCentralSimulator,
)
from sandbox.dataverse.simulator import DataverseConfig, DataverseSimulator
from sandbox.ecppro.seed import EcpProSeed
from sandbox.ecppro.simulator import API_PREFIX, EcpProSimulator
from sandbox.entra.simulator import EntraConfig, EntraSimulator
from sandbox.entra.tls import SandboxTLS, create_sandbox_tls
from sandbox.entra.tokens import TokenMint
from sandbox.server import Simulator
from sandbox.serving import LOOPBACK, ServerThread, bind_loopback

SETTINGS_FILE_NAME = "sandbox.json"


@dataclass(frozen=True)
class SandboxConfig:
    """Ports, identities and seed sizes of one sandbox. Ports 0 = any free port."""

    state_dir: Path = Path(".hub/sandbox")
    token_port: int = 8400
    ecppro_port: int = 8401
    bc_port: int = 8402
    dataverse_port: int = 8403
    tenant_id: str = "3f8a9c2e-5b1d-4e7f-9a6c-0d2e4f6a8b1c"
    client_id: str = "7b2e4d6f-8a1c-4e3b-9d5f-1a2b3c4d5e6f"
    client_secret: str = "sandbox-client-secret"
    token_lifetime_seconds: int = 3600
    # Known to every simulator; only needs to be 32+ bytes for HS256 (PyJWT warns otherwise).
    signing_key: str = "sandbox-token-signing-key-shared-by-simulators"
    bc_environment: str = "production"
    bc_company_id: str = DEFAULT_COMPANY_ID
    bc_company_name: str = "CRONUS International Ltd."
    ecppro_customer_id: str = "ECP-CUST-0001"
    ecppro_secret_key: str = "sandbox-ecppro-secret-key"
    ecppro_seed: EcpProSeed = field(default_factory=EcpProSeed)

    def on_free_ports(self) -> SandboxConfig:
        """The same sandbox on free ports (tests, parallel runs)."""
        return replace(self, token_port=0, ecppro_port=0, bc_port=0, dataverse_port=0)


class RunningSandbox:
    """The four running simulators; also a context manager that stops them."""

    def __init__(
        self,
        config: SandboxConfig,
        tls: SandboxTLS,
        simulators: tuple[
            EntraSimulator, EcpProSimulator, BusinessCentralSimulator, DataverseSimulator
        ],
        servers: list[ServerThread],
    ) -> None:
        self.config = config
        self.ca_path: Path = tls.ca_path
        self.entra, self.ecppro, self.business_central, self.dataverse = simulators
        self._servers = servers
        names = ("token", "ecppro", "business_central", "dataverse")
        self.ports = {name: server.port for name, server in zip(names, servers, strict=True)}
        # Scheme, host and port of each simulator: `/_sandbox/...` admin routes hang off these.
        self.roots = {
            name: f"{'https' if name == 'token' else 'http'}://{LOOPBACK}:{port}"
            for name, port in self.ports.items()
        }
        self.urls = {
            "token": self.roots["token"],
            "ecppro": self.roots["ecppro"] + API_PREFIX,
            "business_central": (
                f"{self.roots['business_central']}/v2.0/{config.tenant_id}/"
                f"{config.bc_environment}/api/v2.0"
            ),
            "dataverse": self.roots["dataverse"],
        }

    @property
    def simulators(self) -> tuple[Simulator, ...]:
        return (self.entra, self.ecppro, self.business_central, self.dataverse)

    def client_settings(self) -> dict[str, str]:
        """The hub's app settings (names as in shared/config.py) pointing at this sandbox."""
        return {
            "HUB_AUTHORITY_HOST": self.urls["token"],
            "HUB_TENANT_ID": self.config.tenant_id,
            "HUB_CLIENT_ID": self.config.client_id,
            "HUB_CLIENT_SECRET": self.config.client_secret,
            "HUB_CA_BUNDLE": str(self.ca_path),
            "BC_API_URL": self.urls["business_central"],
            "BC_COMPANY_ID": self.config.bc_company_id,
            "BC_SCOPE": f"{BC_AUDIENCE}/.default",
            "DATAVERSE_URL": self.urls["dataverse"],
            "ECPPRO_BASE_URL": self.urls["ecppro"],
            "ECPPRO_CUSTOMER_ID": self.ecppro.customer_id,
            "ECPPRO_SECRET_KEY": self.ecppro.secret_key,
        }

    def write_settings_file(self) -> Path:
        """Write `client_settings()` to `<state_dir>/sandbox.json` (atomically), readable by
        the owner only (0600): it holds the client secret and the EcpPro secret key."""
        path = self.config.state_dir / SETTINGS_FILE_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(self.client_settings(), indent=2) + "\n")
        os.chmod(temporary, 0o600)  # whatever the umask made of it
        os.replace(temporary, path)
        return path

    def mint_token(self, audience: str, *, lifetime_seconds: int = 3600) -> str:
        """A token as the Entra simulator would issue it (negative lifetime = expired)."""
        return self.entra.mint.mint(
            audience=audience,
            tenant_id=self.config.tenant_id,
            app_id=self.config.client_id,
            lifetime_seconds=lifetime_seconds,
        )

    def session(self) -> requests.Session:
        """A requests session that trusts exactly the sandbox CA.

        `trust_env` is off because REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment
        would otherwise replace `verify` on every request (and proxies would apply).
        """
        session = requests.Session()
        session.trust_env = False
        session.verify = str(self.ca_path)
        return session

    def reset_faults(self) -> None:
        """No faults or delays on any simulator; Dataverse and BC at their documented limits."""
        for simulator in self.simulators:
            simulator.faults.reset()
        self.dataverse.limits.reset()
        self.business_central.limits.reset()

    def stop(self) -> None:
        """Stop all four servers (in parallel: each waits out one poll interval)."""
        stoppers = [threading.Thread(target=server.stop) for server in self._servers]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox(config: SandboxConfig | None = None) -> RunningSandbox:
    """Start all four simulators on loopback.

    Raises SandboxError when a port is taken (naming it); nothing keeps running then.
    """
    config = config or SandboxConfig()
    wanted = [
        (config.token_port, "Entra token"),
        (config.ecppro_port, "EcpPro"),
        (config.bc_port, "Business Central"),
        (config.dataverse_port, "Dataverse"),
    ]
    sockets = []
    try:
        for port, service in wanted:
            sockets.append(bind_loopback(port, service))
    except Exception:
        for sock in sockets:
            sock.close()
        raise
    try:
        return _serve(config, sockets)
    except BaseException:
        for sock in sockets:
            sock.close()  # a no-op for those a server already owns
        raise


def _serve(config: SandboxConfig, sockets: list[socket.socket]) -> RunningSandbox:
    ports = [sock.getsockname()[1] for sock in sockets]
    tls = create_sandbox_tls(config.state_dir)
    simulators = _build_simulators(config, ports)
    contexts = [tls.server_context, None, None, None]
    servers = [
        ServerThread(simulator, sock, context)
        for simulator, sock, context in zip(simulators, sockets, contexts, strict=True)
    ]
    for server in servers:
        server.start()
    return RunningSandbox(config, tls, simulators, servers)


def _build_simulators(
    config: SandboxConfig, ports: list[int]
) -> tuple[EntraSimulator, EcpProSimulator, BusinessCentralSimulator, DataverseSimulator]:
    authority_host = f"https://{LOOPBACK}:{ports[0]}"
    dataverse_url = f"http://{LOOPBACK}:{ports[3]}"
    mint = TokenMint(config.signing_key)
    entra = EntraSimulator(
        EntraConfig(
            tenant_id=config.tenant_id,
            client_id=config.client_id,
            client_secret=config.client_secret,
            token_lifetime_seconds=config.token_lifetime_seconds,
            resources=frozenset({BC_AUDIENCE, dataverse_url}),
        ),
        mint,
    )
    ecppro = EcpProSimulator(
        config.ecppro_customer_id, config.ecppro_secret_key, config.ecppro_seed
    )
    business_central = BusinessCentralSimulator(
        BusinessCentralConfig(
            tenant_id=config.tenant_id,
            environment=config.bc_environment,
            company_id=config.bc_company_id,
            company_name=config.bc_company_name,
            authority_host=authority_host,
        ),
        mint,
    )
    dataverse = DataverseSimulator(
        DataverseConfig(config.tenant_id, dataverse_url, authority_host=authority_host), mint
    )
    return entra, ecppro, business_central, dataverse
