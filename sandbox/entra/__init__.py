"""Entra ID token endpoint simulator (HTTPS with a generated CA) and the bearer tokens it mints."""
