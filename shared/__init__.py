"""The hub's integration core: settings, domain, mappings, flows, ports and adapters."""
