"""What every operator command shares: the worker's dependencies, and hub errors shown
as click errors (message only, exit code 1) rather than tracebacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from shared.errors import HubError

if TYPE_CHECKING:
    from shared.flows.deps import Deps

T = TypeVar("T")


def operator_deps() -> Deps:
    """The dependencies the Functions use, built from the same settings (on first use)."""
    from shared.bootstrap import deps  # late: `hub --help` must not need settings

    return deps()


def guarded(action: Callable[[], T]) -> T:
    try:
        return action()
    except HubError as exc:
        raise click.ClickException(exc.message) from exc
