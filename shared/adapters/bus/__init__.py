"""The message-bus adapters in one place (`shared.bootstrap.build_bus` picks one by `HUB_BUS_KIND`).

- `ServiceBusBus` (`servicebus`, in Azure): Service Bus queues through the SDK.
- `StorageQueueBus` (`storagequeue`, locally on Azurite): Storage queues with Service Bus
  semantics added (peek-lock, delivery count, dead-letter queue, duplicate detection).

Both implement `shared.ports.Bus` and enforce the Service Bus rules in `bus_rules`; the
storage bus keeps its message envelope in `bus_envelope` and its duplicate detection in
`bus_duplicates`. Each module's docstring lists the quirks it handles.
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
