"""Adapters: the ports of `shared.ports` implemented on real services (Azure SDKs, HTTP APIs)."""
