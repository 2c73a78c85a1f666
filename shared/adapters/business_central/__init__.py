"""Business Central API v2.0 and the companion API."""
