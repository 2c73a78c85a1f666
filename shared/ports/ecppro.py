"""The EcpPro REST API as the flows read it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol


class EcpProSource(Protocol):
    """The EcpPro REST API, as far as the list refresh needs it."""

    def list_records(self, list_name: str) -> Iterator[dict[str, Any]]:
        """Every record of one list, all pages. Raises AuthError, TransientError."""
        ...
