"""The message-bus adapters in one place: pick one with `HUB_BUS_KIND`.

- `ServiceBusBus` (`servicebus`, in Azure): Service Bus queues through the SDK.
- `StorageQueueBus` (`storagequeue`, locally on Azurite): Storage queues with Service Bus
  semantics added (peek-lock, delivery count, dead-letter queue, duplicate detection).

Both implement `shared.ports.Bus`; each module's docstring lists the quirks it handles.
"""

from __future__ import annotations

from azure.identity import DefaultAzureCredential

from shared.adapters.bus_service_bus import (
    MAX_DELIVERY_COUNT_EXCEEDED,
    MAX_ID_LENGTH,
    ServiceBusBus,
)
from shared.adapters.bus_storage_queue import StorageQueueBus, storage_queue_name
from shared.config import Settings
from shared.ports import Bus

__all__ = [
    "MAX_DELIVERY_COUNT_EXCEEDED",
    "MAX_ID_LENGTH",
    "ServiceBusBus",
    "StorageQueueBus",
    "bus_from_settings",
    "storage_queue_name",
]


def bus_from_settings(settings: Settings) -> Bus:
    """The bus `HUB_BUS_KIND` names, built from the app settings (once per worker).

    Storage queues use HUB_STORAGE_CONNECTION, or else the managed identity with
    HUB_STORAGE_ACCOUNT_NAME; Service Bus uses ServiceBusConnection, or else the managed
    identity with ServiceBusConnection__fullyQualifiedNamespace. Raises ValueError when
    Service Bus has neither.
    """
    if settings.bus_kind == "storagequeue":
        return _storage_queue_bus(settings)
    connection = settings.servicebus_connection
    return ServiceBusBus.from_settings(
        connection_string=connection.get_secret_value() if connection else None,
        fully_qualified_namespace=settings.servicebus_namespace,
        max_delivery_count=settings.max_delivery_count,
    )


def _storage_queue_bus(settings: Settings) -> StorageQueueBus:
    if settings.storage_connection is not None:
        return StorageQueueBus(
            settings.storage_connection.get_secret_value(),
            max_delivery_count=settings.max_delivery_count,
            table_prefix=settings.table_prefix,
        )
    return StorageQueueBus(
        account_url=f"https://{settings.storage_account_name}.queue.core.windows.net",
        credential=DefaultAzureCredential(),
        max_delivery_count=settings.max_delivery_count,
        table_prefix=settings.table_prefix,
    )
