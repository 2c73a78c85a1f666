"""EcpPro REST API simulator: lists, invoices, seed data (contract in sandbox/ECPPRO_API.md)."""
