"""Queue triggers (`serviceBusTrigger`, `queueTrigger`) fed from the `Bus` port.

One poller thread per function receives batches (at most as many messages as it has free
workers, and at most 32, so no message waits locked in a local queue), backs off from 50 ms to
1 s while the queue is empty, and hands each message to a bounded worker pool (host.json's
`maxConcurrentCalls`). A message whose function succeeds is completed; one whose function
raises is abandoned with "<ExceptionClass>: <message>", and the bus dead-letters it after its
maximum delivery count, as Service Bus does.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.functions.queue import QueueMessage
from azure.functions.servicebus import ServiceBusMessage

from hub.functions_index import QueueFunction, TriggerKind
from hub.host_invoke import Invoker
from shared.ports.bus import Bus, ReceivedMessage

logger = logging.getLogger("hub.host")
MAX_BATCH = 32
MIN_BACKOFF = 0.05
MAX_BACKOFF = 1.0


def service_bus_message(message: ReceivedMessage, lock_seconds: int) -> ServiceBusMessage:
    """The `func.ServiceBusMessage` the Service Bus trigger would pass for `message`."""
    return ServiceBusMessage(
        body=message.body.encode("utf-8"),
        message_id=message.message_id,
        session_id=message.session_id,
        delivery_count=message.delivery_count,
        application_properties=dict(message.properties),
        user_properties=dict(message.properties),
        content_type="application/json",
        dead_letter_reason=message.dead_letter_reason,
        dead_letter_error_description=message.dead_letter_description,
        locked_until=datetime.now(UTC) + timedelta(seconds=lock_seconds),
    )


def queue_message(message: ReceivedMessage) -> QueueMessage:
    """The `func.QueueMessage` the Storage queue trigger would pass for `message`."""
    return QueueMessage(  # type: ignore[no-untyped-call]
        id=message.message_id,
        body=message.body.encode("utf-8"),
        dequeue_count=message.delivery_count,
    )


def failure_text(error: BaseException | None) -> str:
    """How a failure is recorded on the message: '<ExceptionClass>: <message>'."""
    if error is None:
        return "unknown error"
    return f"{type(error).__name__}: {error}"


class QueuePoller:
    """Feeds one queue-triggered function from the bus until stopped."""

    def __init__(
        self,
        spec: QueueFunction,
        bus: Bus,
        invoker: Invoker,
        *,
        concurrency: int = 8,
        lock_seconds: int = 300,
    ) -> None:
        self.spec = spec
        self._bus = bus
        self._invoker = invoker
        self._concurrency = max(1, concurrency)
        self._lock_seconds = lock_seconds
        self._busy = 0
        self._slots = threading.Condition()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(self._concurrency, thread_name_prefix=f"queue-{spec.name}")
        self._thread = threading.Thread(target=self._poll, name=f"poll-{spec.name}", daemon=True)

    def start(self) -> None:
        logger.info("Queue trigger '%s' listening on '%s'", self.spec.name, self.spec.queue)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop receiving, then wait for the messages in hand to be processed and settled."""
        self._stop.set()
        with self._slots:
            self._slots.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._pool.shutdown(wait=True)

    def _poll(self) -> None:
        delay = MIN_BACKOFF
        while (free := self._wait_for_free_workers()) > 0:
            messages = self._receive(min(MAX_BATCH, free))
            if not messages:
                self._stop.wait(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            delay = MIN_BACKOFF
            for message in messages:
                self._submit(message)

    def _receive(self, count: int) -> list[ReceivedMessage]:
        try:
            return self._bus.receive(
                self.spec.queue, max_messages=count, lock_seconds=self._lock_seconds
            )
        except Exception as exc:  # the bus may be briefly unreachable: back off and retry
            logger.warning(
                "Receiving from queue '%s' failed (%s: %s); retrying",
                self.spec.queue,
                type(exc).__name__,
                exc,
            )
            return []

    def _wait_for_free_workers(self) -> int:
        """Free workers once at least one is free; 0 when stopping."""
        with self._slots:
            self._slots.wait_for(lambda: self._stop.is_set() or self._busy < self._concurrency)
            return 0 if self._stop.is_set() else self._concurrency - self._busy

    def _submit(self, message: ReceivedMessage) -> None:
        with self._slots:
            self._busy += 1
        self._pool.submit(self._process, message)

    def _process(self, message: ReceivedMessage) -> None:
        try:
            self._invoke_and_settle(message)
        except Exception:
            logger.exception("Message '%s' could not be settled", message.message_id)
        finally:
            with self._slots:
                self._busy -= 1
                self._slots.notify_all()

    def _invoke_and_settle(self, message: ReceivedMessage) -> None:
        trigger_input: Any
        if self.spec.kind is TriggerKind.SERVICE_BUS:
            trigger_input = service_bus_message(message, self._lock_seconds)
            reason = f"New ServiceBus message detected on '{self.spec.queue}'."
        else:
            trigger_input = queue_message(message)
            reason = f"New queue message detected on '{self.spec.queue}'."
        details = (
            f"MessageId: {message.message_id}, DeliveryCount: {message.delivery_count}, "
            f"SessionId: {message.session_id or '(null)'}"
        )
        result = self._invoker.invoke(self.spec, trigger_input, reason=reason, details=details)
        if result.succeeded:
            self._bus.complete(message)
        else:
            self._bus.abandon(message, error=failure_text(result.error))
