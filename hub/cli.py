"""The `hub` operator CLI: run the local Functions host, Azurite, and list the app's functions.

    python -m hub serve [--app function_app] [--port 7071] [--no-timers]
    python -m hub azurite
    python -m hub functions [--app function_app]

More command groups live in `hub/cli_<group>.py`, each defining a click group named `<group>`
(`hub/cli_ecppro.py` → `hub ecppro …`); they are found and imported only when used. Every error
ends the process with exit code 1 and a one-line message; `-v` logs the traceback too.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import pkgutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from hub.azurite import AzuriteError, start_azurite
from hub.functions_index import FunctionIndex, HttpFunction, build_index, load_app
from hub.host import LocalHost
from hub.host_errors import HostError
from hub.host_invoke import printable
from hub.host_keys import KEYS_FILE, keys_from_environment, write_keys_file
from hub.host_settings import (
    HOST_JSON_FILE,
    LOCAL_SETTINGS_FILE,
    LocalSettings,
    apply_local_settings,
    default_settings_lookup,
    read_host_options,
    read_local_settings,
)
from shared.ports.bus import Bus

logger = logging.getLogger("hub.cli")
DEFAULT_PORT = 7071
EXTENSION_PREFIX = "cli_"
QUIET_LOGGERS = ("azure", "urllib3", "msal")
AZURITE_PORTS = {"blob_port": 10000, "queue_port": 10001, "table_port": 10002}


def one_line(exc: BaseException) -> str:
    """A single line describing an error (pydantic validation errors summarised per field)."""
    errors = getattr(exc, "errors", None)
    if callable(errors) and type(exc).__name__ == "ValidationError":
        parts = [
            f"{'.'.join(map(str, e.get('loc', ()))) or 'settings'}: {e.get('msg')}"
            for e in errors()
        ]
        return "invalid settings: " + "; ".join(parts)
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, HostError | AzuriteError) else f"{type(exc).__name__}: {text}"


def extension_modules() -> list[str]:
    """Names of the `hub/cli_<group>.py` modules that add command groups."""
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(Path(__file__).parent)])
        if module.name.startswith(EXTENSION_PREFIX)
    )


class HubGroup(click.Group):
    """The `hub` group: commands found lazily in `hub/cli_<group>.py` modules (each defining a
    click command or group named `<group>`), and errors as one line with exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        found = [name.removeprefix(EXTENSION_PREFIX) for name in extension_modules()]
        return sorted({*super().list_commands(ctx), *found})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or EXTENSION_PREFIX + cmd_name not in extension_modules():
            return command
        module = importlib.import_module(f"hub.{EXTENSION_PREFIX}{cmd_name}")
        found = getattr(module, cmd_name, None)
        return found if isinstance(found, click.Command) else None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            logger.debug("Command failed", exc_info=exc)
            raise click.ClickException(one_line(exc)) from None


class OneLineFormatter(logging.Formatter):
    """Each log record's message on one line: control characters a caller sent (an id, a
    path) are escaped rather than starting a forged line of their own."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)


def configure_logging(verbose: bool) -> None:
    """Host-style log lines; the Azure SDKs' per-request logs only with -v (as host.json does)."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter("[%(asctime)s] %(message)s", "%Y-%m-%dT%H:%M:%S"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)


def load_environment(root: Path) -> LocalSettings:
    """Apply local.settings.json like Core Tools and make the app root importable."""
    settings = read_local_settings(root / LOCAL_SETTINGS_FILE)
    apply_local_settings(settings)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return settings


@contextlib.contextmanager
def shutdown_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM while the block runs (a second signal interrupts).

    Installed before anything starts, so a signal during start-up cannot leave a half-started
    host or an orphaned Azurite behind: the block notices the event once started and stops.
    """
    requested = threading.Event()

    def handle(signum: int, frame: object) -> None:
        if requested.is_set():
            raise KeyboardInterrupt
        requested.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield requested
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def wait_until(requested: threading.Event, still_running: Callable[[], bool]) -> bool:
    """Block until `requested` is set (True) or `still_running()` turns false (False)."""
    while still_running():
        if requested.wait(0.5):
            return True
    return False


@click.group(cls=HubGroup)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging, with tracebacks of errors.")
def cli(verbose: bool) -> None:
    """Operate the integration hub locally."""
    configure_logging(verbose)


@cli.command("serve")
@click.option("--app", "app_module", default="function_app", show_default=True, help="App module.")
@click.option("--port", type=int, default=None, help="HTTP port [Host.LocalHttpPort or 7071].")
@click.option("--no-timers", is_flag=True, help="Do not run timer triggers.")
@click.option(
    "--lock-seconds",
    type=click.IntRange(1, 3600),
    default=300,
    show_default=True,
    envvar="HUB_LOCAL_LOCK_SECONDS",
    help="How long a received message stays locked; after a crash it is redelivered then.",
)
def serve_command(app_module: str, port: int | None, no_timers: bool, lock_seconds: int) -> None:
    """Run the function app (timers, queues, HTTP) until Ctrl-C."""
    serve(app_module, port, timers=not no_timers, lock_seconds=lock_seconds)


@cli.command("azurite")
def azurite_command() -> None:
    """Run Azurite on 127.0.0.1:10000-10002 (in memory) until Ctrl-C."""
    run_azurite()


@cli.command("functions")
@click.option("--app", "app_module", default="function_app", show_default=True, help="App module.")
def functions_command(app_module: str) -> None:
    """List the functions: trigger, schedule/queue/route, auth level."""
    root = Path.cwd()
    load_environment(root)
    index = build_index(app_module, default_settings_lookup(root))
    for line in functions_table(index):
        click.echo(line)


def functions_table(index: FunctionIndex) -> list[str]:
    """The functions as aligned text rows under a header."""
    rows = [("NAME", "TRIGGER", "SCHEDULE / QUEUE / ROUTE", "AUTH")]
    for spec in index:
        auth = spec.auth_level.value if isinstance(spec, HttpFunction) else "-"
        rows.append((spec.name, spec.kind.value, spec.detail, auth))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    ]


def build_bus_from_settings() -> Bus:
    """The bus `shared.bootstrap` wires from the settings. Raises HostError if it is missing."""
    from shared.config import get_settings

    try:
        from shared.bootstrap import build_bus
    except ImportError as exc:
        raise HostError(f"cannot build the bus for the queue triggers: {exc}") from exc
    return build_bus(get_settings())


def serve(app_module: str, port: int | None, *, timers: bool, lock_seconds: int = 300) -> None:
    """Start the local host for `app_module` from the working directory and run until stopped."""
    with shutdown_signals() as requested:
        host = build_local_host(app_module, port, timers=timers, lock_seconds=lock_seconds)
        host.start()
        try:
            click.echo(f"Local host running at {host.base_url} (Ctrl-C stops it)")
            wait_until(requested, lambda: True)
        finally:
            click.echo("Stopping: waiting for running functions to finish")
            host.stop()


def build_local_host(
    app_module: str, port: int | None, *, timers: bool, lock_seconds: int = 300
) -> LocalHost:
    """A host configured like Core Tools would: local settings, host.json, keys, the bus."""
    root = Path.cwd()
    local = load_environment(root)
    options = read_host_options(root / HOST_JSON_FILE)
    lookup = default_settings_lookup(root)
    app = load_app(app_module)
    bus = build_bus_from_settings() if build_index(app, lookup).queues else None
    keys, generated = keys_from_environment()
    host = LocalHost(
        app,
        bus=bus,
        http_port=port if port is not None else local.local_http_port or DEFAULT_PORT,
        function_key=keys.function_key,
        master_key=keys.master_key,
        settings_lookup=lookup,
        concurrency=options.max_concurrent_calls,
        timers=timers,
        route_prefix=options.route_prefix,
        lock_seconds=lock_seconds,
    )
    if generated:
        path = write_keys_file(keys, root / KEYS_FILE)
        click.echo(f"Host keys generated for this run: {path.relative_to(root)} (owner-only)")
    return host


def run_azurite() -> None:
    """Run Azurite in the foreground on the fixed development ports until Ctrl-C."""
    with shutdown_signals() as requested:
        azurite = start_azurite(**AZURITE_PORTS)
        click.echo(
            "Azurite on 127.0.0.1: blob 10000, queue 10001, table 10002 "
            "(HUB_STORAGE_CONNECTION=UseDevelopmentStorage=true). Ctrl-C stops it."
        )
        process = azurite.process
        try:
            asked = wait_until(requested, lambda: process is not None and process.poll() is None)
        finally:
            azurite.stop()
    if not asked:
        code = process.returncode if process is not None else None
        raise HostError(f"Azurite exited unexpectedly (exit code {code})")


def main() -> None:
    """Entry point of `python -m hub`."""
    cli(prog_name="hub")
