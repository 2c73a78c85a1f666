"""The `context` argument, for functions that declare one (as the Python worker passes it)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import azure.functions as func


@dataclass(frozen=True)
class LocalTraceContext:
    """No distributed trace locally: empty W3C fields."""

    trace_parent: str = ""
    trace_state: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LocalRetryContext:
    """The host applies no retry policy; redelivery is the bus's business."""

    retry_count: int = 0
    max_retry_count: int = 0
    exception: Any = None


class _InvocationLocal(threading.local):
    invocation_id: str | None = None


class LocalContext(func.Context):
    """Invocation id, function name and directory of one local invocation."""

    def __init__(self, invocation_id: str, function_name: str, function_directory: Path) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = str(function_directory)
        self._local = _InvocationLocal()
        self._local.invocation_id = invocation_id

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def thread_local_storage(self) -> Any:
        return self._local

    @property
    def trace_context(self) -> Any:
        return LocalTraceContext()

    @property
    def retry_context(self) -> Any:
        return LocalRetryContext()
