"""Start and stop Azurite (the pinned npm package) on loopback for the demo, the tests and `hub serve`.

Azurite is started as the server binary itself (not through npx) so that stopping it really
stops it, in memory so every start is clean, with `--skipApiVersionCheck` because the Python
queue SDK speaks a newer API version than Azurite 3.35 knows.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "devstoreaccount1"
# The well-known Azurite development key (public, documented by Microsoft).
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


class AzuriteError(RuntimeError):
    """Azurite could not be started; the message says what to do."""


@dataclass
class Azurite:
    """A running Azurite and how to reach it."""

    blob_port: int
    queue_port: int
    table_port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def connection_string(self) -> str:
        host = "http://127.0.0.1"
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={host}:{self.blob_port}/{ACCOUNT};"
            f"QueueEndpoint={host}:{self.queue_port}/{ACCOUNT};"
            f"TableEndpoint={host}:{self.table_port}/{ACCOUNT};"
        )

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stderr is not None:
            self.process.stderr.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.closing(socket.socket()) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def azurite_binary() -> Path:
    binary = ROOT / "node_modules" / ".bin" / "azurite"
    if not binary.exists():
        raise AzuriteError(
            f"Azurite is not installed ({binary.relative_to(ROOT)} is missing): run 'npm ci' "
            "in the repository root (make demo and make test do it for you)."
        )
    return binary


def start_azurite(
    *, blob_port: int = 0, queue_port: int = 0, table_port: int = 0, timeout: float = 20.0
) -> Azurite:
    """Start Azurite in memory on loopback; port 0 picks a free one.

    Raises AzuriteError when the binary is missing, a port is taken or it is not ready in time.
    """
    ports = {"blob": blob_port, "queue": queue_port, "table": table_port}
    for name, port in ports.items():
        if port and port_is_open(port):
            raise AzuriteError(
                f"port {port} for the Azurite {name} service is already in use: stop what listens "
                "there or choose other ports"
            )
    chosen = {name: port or free_port() for name, port in ports.items()}
    command = [
        str(azurite_binary()),
        "--silent",
        "--inMemoryPersistence",
        "--disableTelemetry",
        "--skipApiVersionCheck",
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(chosen["blob"]),
        "--queueHost",
        "127.0.0.1",
        "--queuePort",
        str(chosen["queue"]),
        "--tableHost",
        "127.0.0.1",
        "--tablePort",
        str(chosen["table"]),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        start_new_session=True,
    )
    azurite = Azurite(chosen["blob"], chosen["queue"], chosen["table"], process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = (process.stderr.read() if process.stderr else b"").decode(errors="replace")
            azurite.stop()
            raise AzuriteError(
                f"Azurite exited at start (code {process.returncode}): {error.strip()}"
            )
        if all(port_is_open(port) for port in chosen.values()):
            return azurite
        time.sleep(0.1)
    azurite.stop()
    raise AzuriteError(f"Azurite was not ready within {timeout:.0f} s on ports {chosen}")


@contextlib.contextmanager
def running_azurite(**ports: int) -> Iterator[Azurite]:
    """Azurite for the length of a `with` block."""
    azurite = start_azurite(**ports)
    try:
        yield azurite
    finally:
        azurite.stop()
