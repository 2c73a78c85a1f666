"""Dataverse Web API v9.2 (Dynamics 365 Sales, Project Operations): `client.DataverseClient`."""
