"""Calling a user function once, the way the Functions host does.

Each invocation gets an id, is logged as `Executing 'Functions.<name>' (Reason=..., Id=...)` and
`Executed 'Functions.<name>' (Succeeded|Failed, Id=..., Duration=...ms)`, receives a `context`
when it declares one, and may be `async`. Exceptions are caught, logged with their traceback and
returned in the result, so each trigger decides what a failure means (abandon, HTTP 500, ...).
In-flight invocations are counted so a graceful stop can wait for them.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.functions_index import CONTEXT_ARGUMENT, FunctionSpec
from hub.host_context import LocalContext

logger = logging.getLogger("hub.host")


@dataclass(frozen=True)
class InvocationResult:
    """What one invocation did: its id, outcome, duration and return value or exception."""

    function: str
    invocation_id: str
    succeeded: bool
    duration_ms: float
    value: Any = None
    error: Exception | None = None


class Invoker:
    """Runs user functions with host-style logging and counts those in flight."""

    def __init__(self, function_directory: Path | None = None) -> None:
        self._directory = function_directory or Path.cwd()
        self._in_flight = 0
        self._idle = threading.Condition()

    def invoke(
        self, spec: FunctionSpec, trigger_input: Any, *, reason: str, details: str | None = None
    ) -> InvocationResult:
        """Call `spec`'s function with `trigger_input`; never raises what the function raises."""
        invocation_id = str(uuid.uuid4())
        logger.info(
            "Executing 'Functions.%s' (Reason='%s', Id=%s)",
            spec.name,
            printable(reason),
            invocation_id,
        )
        if details:
            logger.info("Trigger Details: %s", printable(details))
        arguments = {spec.trigger_arg: trigger_input}
        if spec.wants_context:
            arguments[CONTEXT_ARGUMENT] = LocalContext(invocation_id, spec.name, self._directory)
        started = time.perf_counter()
        self._enter()
        try:
            value = _call(spec, arguments)
        except Exception as exc:
            duration = _elapsed_ms(started)
            logger.error(
                "Executed 'Functions.%s' (Failed, Id=%s, Duration=%dms)",
                spec.name,
                invocation_id,
                duration,
                exc_info=exc,
            )
            return InvocationResult(spec.name, invocation_id, False, duration, error=exc)
        finally:
            self._leave()
        duration = _elapsed_ms(started)
        logger.info(
            "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)",
            spec.name,
            invocation_id,
            duration,
        )
        return InvocationResult(spec.name, invocation_id, True, duration, value=value)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no invocation runs; False when `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def _enter(self) -> None:
        with self._idle:
            self._in_flight += 1

    def _leave(self) -> None:
        with self._idle:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.notify_all()


def printable(text: str) -> str:
    """`text` with control characters escaped (`\r\n` stays visible and on one line), so
    what a caller sends (a path, a message id) cannot start a log line of its own."""
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode() for char in text
    )


def _call(spec: FunctionSpec, arguments: dict[str, Any]) -> Any:
    result = spec.user_function(**arguments)
    if inspect.isawaitable(result):
        return asyncio.run(_await(result))
    return result


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
