"""`hub dead-letters`: look at a queue's dead letters, and send them back once fixed."""

from __future__ import annotations

import click

from shared.registry import Queue

QUEUES = [queue.value for queue in Queue]


@click.group("dead-letters")
def dead_letters() -> None:
    """Dead-lettered messages of the hub's queues."""


@dead_letters.command("list")
@click.argument("queue", type=click.Choice(QUEUES))
@click.option("--max", "max_messages", default=32, show_default=True)
def list_dead_letters(queue: str, max_messages: int) -> None:
    """The oldest dead letters of QUEUE: id, reason and description."""
    from shared.bootstrap import deps
    from shared.flows.dead_letters import dead_letter_row, dead_letters_of

    for message in dead_letters_of(deps()).peek_dead_letters(queue, max_messages=max_messages):
        row = dead_letter_row(message)
        click.echo(f"{row['messageId']:<48} {row['reason'] or '-':<26} {row['description'] or ''}")


@dead_letters.command("replay")
@click.argument("queue", type=click.Choice(QUEUES))
@click.option("--max", "max_messages", default=32, show_default=True)
def replay(queue: str, max_messages: int) -> None:
    """Send QUEUE's dead letters back, each with a fresh retry window."""
    from shared.bootstrap import deps
    from shared.flows.dead_letters import dead_letters_of

    sent = dead_letters_of(deps()).replay_dead_letters(queue, max_messages=max_messages)
    click.echo(f"replayed {len(sent)} message(s) to {queue}")
