"""Change tracking: `Prefer: odata.track-changes`, delta links and what changed since them.

From use-change-tracking-synchronize-data-external-systems:

- on a table with change tracking on, a query with `Prefer: odata.track-changes` is
  answered with `Preference-Applied: odata.track-changes` and, on its last page, an
  `@odata.deltaLink`: the query's `$select` plus `$deltatoken=<version>!<MM/dd/yyyy HH:mm:ss>`,
- following the delta link answers the rows created or updated since the token (current
  values, `$select` applied) and then `{"@odata.context": "...#<set>/$deletedEntity",
  "id": ..., "reason": "deleted"}` per row deleted since, under an `@odata.context`
  ending in `/$delta`, with a new delta link; a row created and deleted in between is
  reported deleted; no change → an empty `value`,
- `<set>/$count?$deltatoken=...` counts the changes,
- `$filter`, `$orderby`, `$expand` and `$top` are refused with the documented message,
- tokens expire after 7 days (Organization.ExpireChangeTrackingInDays); an expired or
  malformed token → 400 `0x80072515` "Invalid Sync Token",
- on a table without change tracking the preference is not applied (no
  `Preference-Applied`, no delta link) and a `$deltatoken` is refused.

A tracked initial query that spans pages remembers where it started in its skip token,
so changes made while the pages are read are in the next delta.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from sandbox.dataverse import errors
from sandbox.odata.store import EntityStore

EXPIRY = timedelta(days=7)
UNSUPPORTED = ("$filter", "$orderby", "$expand", "$top")
_TIME_FORMAT = "%m/%d/%Y %H:%M:%S"


def refuse_unsupported(args: Mapping[str, str]) -> None:
    for option in UNSUPPORTED:
        if option in args:
            raise errors.bad_query(
                f'The "{option}" query parameter isn\'t supported when Change Tracking is enabled.'
            )


class ChangeTracking:
    """Delta tokens over the store's row versions."""

    def __init__(
        self, store: EntityStore, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.store = store
        self.now = now
        self.expiry = EXPIRY

    def token(self, version: int | None = None) -> str:
        moment = self.now().strftime(_TIME_FORMAT)
        return f"{self.store.version if version is None else version}!{moment}"

    def version_of(self, token: str) -> int:
        """The version a token was issued at. Raises ServiceError when bad or expired."""
        number, _, moment = token.partition("!")
        try:
            issued = datetime.strptime(moment, _TIME_FORMAT).replace(tzinfo=UTC)
            version = int(number)
        except ValueError:
            raise errors.invalid_sync_token() from None
        if self.now() - issued > self.expiry or version < 0:
            raise errors.invalid_sync_token()
        return version

    @staticmethod
    def delta_link(collection_url: str, select: tuple[str, ...] | None, token: str) -> str:
        pairs = [("$select", ",".join(select))] if select else []
        pairs.append(("$deltatoken", token))
        return f"{collection_url}?{urlencode(pairs, quote_via=quote, safe='$,')}"


def wrap_skiptoken(version: int, token: str) -> str:
    """A skip token that also carries the version a tracked query started at."""
    return f"T{version}.{token}"


def unwrap_skiptoken(token: str) -> tuple[int | None, str]:
    if token.startswith("T") and "." in token:
        number, _, rest = token[1:].partition(".")
        if number.isdigit():
            return int(number), rest
    return None, token
