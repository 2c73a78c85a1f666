"""Domain records, queue messages and status machines."""
