"""Dataverse Web API v9.2."""
