"""LOCAL ONLY: the Storage-queue bus that stands in for Service Bus on Azurite.

`hub serve`, `make demo` and the tests run the hub's queues on Azurite Storage queues,
because no Service Bus emulator runs without Docker. In Azure the triggers are Service Bus
triggers and `HUB_BUS_KIND` is `servicebus`; nothing here is deployed to do real work.

- `storage_queue`: `StorageQueueBus`, the `Bus` port with Service Bus semantics;
- `envelope`: what a Storage queue message carries besides the body (ids, properties,
  dead-letter fields), within its 64 KiB;
- `duplicates`: Service Bus duplicate detection, kept in a table.
"""
