"""The message-bus adapters in one place (`shared.bootstrap.build_bus` picks one by `HUB_BUS_KIND`).

- `service_bus.ServiceBusBus` (`servicebus`, in Azure): Service Bus queues through the SDK.
- `local.storage_queue.StorageQueueBus` (`storagequeue`): LOCAL ONLY, on Azurite, for
  `hub serve`, the demo and the tests. Storage queues with Service Bus semantics added
  (peek-lock, delivery count, dead-letter queue, duplicate detection); the Functions
  runtime in Azure never reads these queues (the triggers are Service Bus triggers).

Both implement `shared.ports.bus.Bus` and enforce the Service Bus rules in `rules`; the
storage bus keeps its message envelope in `local.envelope` and its duplicate detection in
`local.duplicates`. Each module's docstring lists the quirks it handles.
"""

from __future__ import annotations

from shared.adapters.bus.local.storage_queue import StorageQueueBus, storage_queue_name
from shared.adapters.bus.rules import MAX_DELIVERY_COUNT_EXCEEDED, MAX_ID_LENGTH
from shared.adapters.bus.service_bus import ServiceBusBus

__all__ = [
    "MAX_DELIVERY_COUNT_EXCEEDED",
    "MAX_ID_LENGTH",
    "ServiceBusBus",
    "StorageQueueBus",
    "storage_queue_name",
]
