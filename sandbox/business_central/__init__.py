"""Business Central simulator: API v2.0 (master data, documents, dimensions, posting, $batch) and the companion API."""
