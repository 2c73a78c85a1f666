"""The function index: what `function_app.py` registers, described for the local host.

`FunctionApp.get_functions()` may be called only once per app (a second call fails on
"duplicate" names), so results are cached per app object. `%SETTING%` references in schedules
and queue names are resolved here, once, so every later step sees plain values.
"""

from __future__ import annotations

import importlib
import inspect
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType
from typing import Any

import azure.functions as func

from hub.host_errors import FunctionIndexError, HostError
from hub.host_settings import SettingsLookup, resolve_references
from hub.ncrontab import validate_schedule

CONTEXT_ARGUMENT = "context"
# Bindings that come with a trigger and need nothing from the host.
_COMPANION_BINDINGS = {"httpTrigger": {"http"}}
_CACHE: weakref.WeakKeyDictionary[func.FunctionApp, list[Any]] = weakref.WeakKeyDictionary()


class TriggerKind(StrEnum):
    """The trigger types the local host runs (the binding type names of function.json)."""

    TIMER = "timerTrigger"
    SERVICE_BUS = "serviceBusTrigger"
    QUEUE = "queueTrigger"
    HTTP = "httpTrigger"


@dataclass(frozen=True)
class FunctionSpec:
    """One registered function: its name, trigger and the Python callable."""

    name: str
    kind: TriggerKind
    trigger_arg: str
    user_function: Callable[..., Any]
    wants_context: bool

    @property
    def detail(self) -> str:
        """Schedule, queue or route: what makes the trigger fire."""
        return ""


@dataclass(frozen=True)
class TimerFunction(FunctionSpec):
    schedule: str
    run_on_startup: bool

    @property
    def detail(self) -> str:
        return self.schedule + (" (run on startup)" if self.run_on_startup else "")


@dataclass(frozen=True)
class QueueFunction(FunctionSpec):
    queue: str
    connection: str | None

    @property
    def detail(self) -> str:
        return self.queue


@dataclass(frozen=True)
class HttpFunction(FunctionSpec):
    route: str
    methods: tuple[str, ...]  # empty: every method
    auth_level: func.AuthLevel

    @property
    def detail(self) -> str:
        return f"{','.join(self.methods) or 'ANY'} {self.route}"


class FunctionIndex:
    """The functions of one app, in registration order."""

    def __init__(self, functions: list[FunctionSpec]) -> None:
        self._functions = tuple(functions)
        self._by_name = {spec.name: spec for spec in functions}

    def __iter__(self) -> Iterator[FunctionSpec]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)

    def get(self, name: str) -> FunctionSpec:
        """The function called `name`. Raises HostError naming the known ones."""
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(sorted(self._by_name)) or "none"
            raise HostError(f"no function named '{name}' (known: {known})") from None

    @property
    def timers(self) -> list[TimerFunction]:
        return [spec for spec in self._functions if isinstance(spec, TimerFunction)]

    @property
    def queues(self) -> list[QueueFunction]:
        return [spec for spec in self._functions if isinstance(spec, QueueFunction)]

    @property
    def http(self) -> list[HttpFunction]:
        return [spec for spec in self._functions if isinstance(spec, HttpFunction)]


def load_app(target: str | ModuleType | func.FunctionApp) -> func.FunctionApp:
    """The FunctionApp of a module name, a module or an app.

    Raises HostError when the module cannot be imported or exposes no `app`.
    """
    if isinstance(target, func.FunctionApp):
        return target
    if isinstance(target, str):
        try:
            target = importlib.import_module(target)
        except ImportError as exc:
            raise HostError(f"cannot import the app module '{target}': {exc}") from exc
    app = getattr(target, "app", None)
    if not isinstance(app, func.FunctionApp):
        raise HostError(f"module '{target.__name__}' has no 'app = func.FunctionApp(...)'")
    return app


def registered_functions(app: func.FunctionApp) -> list[Any]:
    """`app.get_functions()`, called once per app and cached."""
    if app not in _CACHE:
        _CACHE[app] = app.get_functions()
        # get_functions() records the names it saw and fails on the next call: forget them so
        # other callers (function tests, the real worker) can still index the same app.
        app.functions_bindings = None
    return _CACHE[app]


def build_index(
    target: str | ModuleType | func.FunctionApp, lookup: SettingsLookup
) -> FunctionIndex:
    """Describe every function of the app. Raises FunctionIndexError, SettingsError, ScheduleError."""
    app = load_app(target)
    return FunctionIndex(
        [describe_function(function, lookup) for function in registered_functions(app)]
    )


def describe_function(function: Any, lookup: SettingsLookup) -> FunctionSpec:
    """Describe one `azure.functions` Function object. Raises FunctionIndexError and friends."""
    name = function.get_function_name()
    trigger = function.get_trigger()
    binding = trigger.get_binding_name() if trigger is not None else "none"
    try:
        kind = TriggerKind(binding)
    except ValueError:
        supported = ", ".join(kind.value for kind in TriggerKind)
        raise FunctionIndexError(
            f"function '{name}': trigger '{binding}' is not supported by the local host "
            f"(supported: {supported})"
        ) from None
    _check_bindings(name, function, kind)
    user_function = function.get_user_function()
    common: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "trigger_arg": trigger.name,
        "user_function": user_function,
        "wants_context": _wants_context(name, user_function, trigger.name),
    }
    where = f"function '{name}'"
    if kind is TriggerKind.TIMER:
        return _timer_spec(trigger, common, lookup, where)
    if kind is TriggerKind.HTTP:
        return _http_spec(trigger, common)
    queue = resolve_references(str(trigger.queue_name), lookup, where=where)
    return QueueFunction(**common, queue=queue, connection=trigger.connection)


def _timer_spec(
    trigger: Any, common: dict[str, Any], lookup: SettingsLookup, where: str
) -> TimerFunction:
    schedule = resolve_references(str(trigger.schedule), lookup, where=where)
    try:
        validate_schedule(schedule)
    except HostError as exc:
        raise type(exc)(f"{where}: {exc}") from exc
    return TimerFunction(**common, schedule=schedule, run_on_startup=bool(trigger.run_on_startup))


def _http_spec(trigger: Any, common: dict[str, Any]) -> HttpFunction:
    route = (trigger.route or common["name"]).strip("/")
    methods = tuple(_text(method).upper() for method in trigger.methods or ())
    auth_level = func.AuthLevel(_text(trigger.auth_level or func.AuthLevel.FUNCTION).lower())
    return HttpFunction(**common, route=route, methods=methods, auth_level=auth_level)


def _text(value: Any) -> str:
    """The string of an enum member or of a plain string (decorators accept both)."""
    return str(getattr(value, "value", value))


def _check_bindings(name: str, function: Any, kind: TriggerKind) -> None:
    allowed = {kind.value, *_COMPANION_BINDINGS.get(kind.value, set())}
    for binding in function.get_bindings():
        binding_type = binding.get_binding_name()
        if binding_type not in allowed:
            raise FunctionIndexError(
                f"function '{name}': binding '{binding_type}' ('{binding.name}') is not "
                "supported by the local host; use the ports in shared/ instead of bindings"
            )


def _wants_context(name: str, user_function: Callable[..., Any], trigger_arg: str) -> bool:
    parameters = set(inspect.signature(user_function).parameters)
    unbound = parameters - {trigger_arg, CONTEXT_ARGUMENT}
    if unbound:
        raise FunctionIndexError(
            f"function '{name}': parameter(s) {', '.join(sorted(unbound))} match no binding "
            f"(the trigger argument is '{trigger_arg}')"
        )
    return CONTEXT_ARGUMENT in parameters
