"""`hub demo`: run the flows end to end on this machine and print what happened."""

from __future__ import annotations

import logging

import click

# The host's per-invocation lines drown the narrative; `hub -v demo` shows them.
_NARRATIVE_ONLY = ("hub.host", "functions", "shared")
# A queued message that is retried (a lock held by another worker) is logged by the host
# as a failed invocation; the demo checks every outcome itself, so only the narrative shows.


@click.command("demo")
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Start Azurite, the sandbox and the local host; run every flow; print a summary."""
    from hub.demo import run_demo

    if not ctx.find_root().params.get("verbose"):
        for name in _NARRATIVE_ONLY:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    run_demo()
