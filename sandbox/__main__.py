"""`python -m sandbox`: run all four simulators in the foreground until Ctrl-C or SIGTERM.

Prints where each simulator listens and writes the hub's settings for it to
`<state-dir>/sandbox.json` (removed again on a clean stop), so other processes such as
the CLI and the demo can find the sandbox. A taken port ends the command at once with a
message naming the port (exit code 1).
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

import click

from sandbox.ecppro.seed import EcpProSeed
from sandbox.run import RunningSandbox, SandboxConfig, start_sandbox
from sandbox.server import SandboxError

_DEFAULTS = SandboxConfig()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--token-port", type=int, default=_DEFAULTS.token_port, show_default=True)
@click.option("--ecppro-port", type=int, default=_DEFAULTS.ecppro_port, show_default=True)
@click.option("--bc-port", type=int, default=_DEFAULTS.bc_port, show_default=True)
@click.option("--dataverse-port", type=int, default=_DEFAULTS.dataverse_port, show_default=True)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=_DEFAULTS.state_dir,
    show_default=True,
    help="Where ca.pem and sandbox.json are written.",
)
@click.option(
    "--seed", type=int, default=EcpProSeed.seed, show_default=True, help="EcpPro data seed."
)
@click.option("--tenants", type=click.IntRange(0), default=EcpProSeed.tenants, show_default=True)
@click.option(
    "--users-per-tenant",
    type=click.IntRange(1),
    default=EcpProSeed.users_per_tenant,
    show_default=True,
)
@click.option("--invoices", type=click.IntRange(0), default=EcpProSeed.invoices, show_default=True)
@click.option("--verbose", is_flag=True, help="Log every request.")
def main(
    token_port: int,
    ecppro_port: int,
    bc_port: int,
    dataverse_port: int,
    state_dir: Path,
    seed: int,
    tenants: int,
    users_per_tenant: int,
    invoices: int,
    verbose: bool,
) -> None:
    """Run the Entra, EcpPro, Business Central and Dataverse simulators on 127.0.0.1."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(message)s")
    config = SandboxConfig(
        state_dir=state_dir,
        token_port=token_port,
        ecppro_port=ecppro_port,
        bc_port=bc_port,
        dataverse_port=dataverse_port,
        ecppro_seed=EcpProSeed(
            seed=seed, tenants=tenants, users_per_tenant=users_per_tenant, invoices=invoices
        ),
    )
    try:
        sandbox = start_sandbox(config)
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from exc
    with sandbox:
        _serve_until_stopped(sandbox)
    click.echo("Stopped.")


def _serve_until_stopped(sandbox: RunningSandbox) -> None:
    """Publish the settings, print where everything is, wait for SIGINT or SIGTERM."""
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    settings_file = sandbox.write_settings_file()
    for name, url in sandbox.urls.items():
        click.echo(f"{name:<17} {url}")
    click.echo(f"{'CA certificate':<17} {sandbox.ca_path}")
    click.echo(f"{'settings':<17} {settings_file.resolve()}")
    click.echo("Ready. Press Ctrl-C to stop.")
    try:
        # A timeout keeps the main thread responsive to signals on every platform.
        while not stopping.wait(timeout=0.5):
            pass
    finally:
        settings_file.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
