"""Ports: what flows need from the outside world, as Protocols, one module per concern.

Flows depend on these only. Real adapters live in `shared/adapters/`; tests use the small
dict-backed fakes in `tests/fakes/`, which honour the same contracts.

- `store`: staging tables with optimistic concurrency;
- `bus`: `MessageSender` for flows, the full `Bus` (receive, settle) for the host;
- `ecppro`: the EcpPro lists and invoices;
- `business_central`: master data and documents in Business Central.
"""
