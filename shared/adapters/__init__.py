"""Adapters: the ports of `shared.ports` implemented on real services, one package or module
per system: `business_central/`, `dataverse/`, `ecppro`, `table_store`, `bus/`, and the
shared `http` layer, `auth` and `odata` helpers they stand on."""
