"""The local Functions host: runs `function_app.py` without Azure Functions Core Tools.

`LocalHost` reads the app's functions once, then fires timers on their NCRONTAB schedules,
feeds queue triggers from the `Bus` port and serves HTTP triggers on loopback, with the host's
auth levels and log lines. Tests, the demo and `hub serve` all drive it:

    with LocalHost("function_app", bus=bus, http_port=0) as host:
        requests.get(host.url("ecppro/lists/tenants"), params={"code": host.keys.function_key})
        host.fire_timer("ecppro_refresh_timer")
"""

from __future__ import annotations

import logging
from types import ModuleType, TracebackType

import azure.functions as func

from hub.functions_index import FunctionIndex, HttpFunction, TimerFunction, build_index
from hub.host_errors import HostError
from hub.host_invoke import InvocationResult, Invoker
from hub.host_keys import HostKeys, generate_key
from hub.host_settings import SettingsLookup, default_settings_lookup
from hub.http_server import HttpServer
from hub.queues import QueuePoller
from hub.timers import Clock, TimerScheduler, utc_now
from shared.ports.bus import Bus

logger = logging.getLogger("hub.host")
AppTarget = str | ModuleType | func.FunctionApp


class LocalHost:
    """Timers, queue pollers and the HTTP server of one function app, started and stopped together.

    Raises HostError (and its subclasses) at construction when the app cannot be indexed,
    uses an unsupported trigger, or has queue triggers but no bus.
    """

    def __init__(
        self,
        app: AppTarget,
        *,
        bus: Bus | None = None,
        http_port: int = 0,
        http_host: str = "127.0.0.1",
        function_key: str | None = None,
        master_key: str | None = None,
        settings_lookup: SettingsLookup | None = None,
        concurrency: int = 8,
        timers: bool = True,
        route_prefix: str = "api",
        lock_seconds: int = 300,
        stop_timeout: float = 60.0,
        clock: Clock = utc_now,
    ) -> None:
        self.functions: FunctionIndex = build_index(
            app, settings_lookup or default_settings_lookup()
        )
        if self.functions.queues and bus is None:
            names = ", ".join(spec.name for spec in self.functions.queues)
            raise HostError(f"the app has queue-triggered functions ({names}) but no bus was given")
        self.keys = HostKeys(function_key or generate_key(), master_key or generate_key())
        self._route_prefix = route_prefix.strip("/")
        self._run_timers = timers
        self._stop_timeout = stop_timeout
        self._invoker = Invoker()
        self._timers = TimerScheduler(self.functions.timers, self._invoker, clock=clock)
        self._pollers = [
            QueuePoller(
                spec, bus, self._invoker, concurrency=concurrency, lock_seconds=lock_seconds
            )
            for spec in self.functions.queues
            if bus is not None
        ]
        self._http = HttpServer(
            self.functions.http,
            self._invoker,
            self.keys,
            host=http_host,
            port=http_port,
            route_prefix=self._route_prefix,
        )
        self._http_host = http_host
        self._state = "new"

    @property
    def base_url(self) -> str:
        """`http://<host>:<port>` of the running HTTP server (routes live under /api)."""
        return f"http://{self._http_host}:{self._http.port}"

    def url(self, route: str) -> str:
        """The full URL of a route, e.g. `url("items/1")` → `http://127.0.0.1:7071/api/items/1`."""
        prefix = f"/{self._route_prefix}" if self._route_prefix else ""
        return f"{self.base_url}{prefix}/{route.lstrip('/')}"

    @property
    def function_key(self) -> str:
        return self.keys.function_key

    @property
    def master_key(self) -> str:
        return self.keys.master_key

    def start(self) -> None:
        """Serve HTTP, start the queue pollers and the timers. Raises HostError."""
        if self._state != "new":
            raise HostError(f"a local host can be started once (it is {self._state})")
        self._state = "running"
        try:
            self._http.start()
            for poller in self._pollers:
                poller.start()
            if self._run_timers:
                self._timers.start()
        except BaseException:
            self.stop()
            raise
        self._log_functions()

    def stop(self) -> None:
        """Stop HTTP, timers and pollers, then wait for running invocations to finish."""
        if self._state == "stopped":
            return
        self._state = "stopped"
        self._http.stop()
        self._timers.stop(self._stop_timeout)
        for poller in self._pollers:
            poller.stop(self._stop_timeout)
        if not self._invoker.wait_idle(self._stop_timeout):
            logger.warning(
                "Stopped with invocations still running after %.0f s", self._stop_timeout
            )

    def fire_timer(self, name: str, *, past_due: bool = False) -> InvocationResult:
        """Run timer function `name` once now (after any running firing of it). Raises HostError."""
        spec = self.functions.get(name)
        if not isinstance(spec, TimerFunction):
            raise HostError(f"function '{name}' is a {spec.kind.value}, not a timer")
        return self._timers.fire(spec, past_due=past_due, reason="Timer fired on demand")

    def __enter__(self) -> LocalHost:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _log_functions(self) -> None:
        lines = []
        for spec in self.functions:
            if isinstance(spec, HttpFunction):
                methods = ",".join(spec.methods) or "ALL"
                lines.append(f"\t{spec.name}: [{methods}] {self.url(spec.route)}")
            else:
                lines.append(f"\t{spec.name}: {spec.kind.value} ({spec.detail})")
        logger.info("Functions:\n%s", "\n".join(lines) or "\t(none)")
