"""One registry per kind of name (`shared/registry.py`), and the deployment agrees with it.

Flows can only send to a registered queue: `MessageSender.send` takes a `Queue`, which
mypy (strict, part of `make test`) enforces. These tests close the loop at run time: every
queue a trigger listens on is registered, every registered queue is created by
`infra/main.bicep`, and every timer binds a registered schedule setting.
"""

from __future__ import annotations

import re
from functools import cache

import azure.functions as func

from shared.config import Settings
from shared.registry import Flow, Queue, Schedule, Table
from tests.bicep import BICEP, bicep_parameters, bicep_source, matching_close


@cache
def app_functions() -> list[func.decorators.core.Function]:  # type: ignore[name-defined]
    import function_app

    functions = function_app.app.get_functions()
    function_app.app.functions_bindings = None  # get_functions() may be called once per app
    return list(functions)


def triggers(binding: str) -> list[object]:
    return [
        function.get_trigger()
        for function in app_functions()
        if function.get_trigger().get_binding_name() == binding
    ]


def bicep_queue_names() -> set[str]:
    """The literal names in the default of `param queueNames array = [ ... ]`."""
    code, masked = bicep_source()
    declared = re.search(r"^param\s+queueNames\s+array\s*=\s*\[", masked, re.MULTILINE)
    assert declared, f"{BICEP.name} must declare 'param queueNames array = [ ... ]'"
    close = matching_close(masked, declared.end() - 1)
    names = re.findall(r"'([^']*)'", code[declared.end() : close])
    assert names, f"{BICEP.name}: queueNames is empty"
    return set(names)


def test_every_registered_queue_is_created_by_the_bicep_and_nothing_else() -> None:
    assert "queueNames" in bicep_parameters()
    assert bicep_queue_names() == {queue.value for queue in Queue}


def test_every_queue_trigger_listens_on_a_registered_queue() -> None:
    listened = {trigger.queue_name for trigger in triggers("serviceBusTrigger")}  # type: ignore[attr-defined]
    assert listened, "function_app.py has no Service Bus triggers"
    assert listened <= {queue.value for queue in Queue}
    assert listened <= bicep_queue_names()


def test_every_timer_binds_a_registered_schedule_that_is_a_setting() -> None:
    schedules = {trigger.schedule for trigger in triggers("timerTrigger")}  # type: ignore[attr-defined]
    assert schedules == {schedule.binding for schedule in Schedule}
    assert {schedule.value for schedule in Schedule} <= Settings.setting_names()


def test_names_are_unique_and_fit_their_services() -> None:
    # Service Bus queue names: letters, digits, '.', '-', '_', '/'; Table names: alphanumeric.
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]{1,48}[a-z0-9]", queue.value) for queue in Queue)
    assert all(re.fullmatch(r"[a-z][a-z0-9]{2,40}", table.value) for table in Table)
    for registry in (Queue, Schedule, Flow, Table):
        values = [member.value for member in registry]
        assert len(values) == len(set(values)), f"{registry.__name__} repeats a name"
