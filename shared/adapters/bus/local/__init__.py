"""LOCAL ONLY."""
