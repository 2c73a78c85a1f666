"""OData query options and server-driven paging over an `EntityStore` snapshot.

What it reproduces (OData v4 as BC and Dataverse serve it):

- `$filter` (see `sandbox.odata.filter`), `$select`, `$orderby` (`field [asc|desc], ...`),
  `$top`, `$skip`; a property the entity does not have is refused, not ignored,
- paging is driven by the server: a page holds at most `Prefer: odata.maxpagesize=N` rows
  (capped at the service maximum), and when more rows remain the answer carries
  `@odata.nextLink`: the same query plus an opaque `$skiptoken` to follow exactly as given,
- the skip token remembers the sort position of the last row sent (keyset), not an
  offset, so rows inserted or deleted between pages neither repeat nor vanish,
- rows are ordered by the `$orderby` fields then the key; nulls sort first ascending,
- `$top` returns at most that many rows (up to the service maximum) in one page with no
  next link; `odata.maxpagesize` is then ignored, as Dataverse documents,
- `$expand` is kept as text for the service to apply (see `ODataEngine`'s expander) and
  only accepted where the dialect allows it; other system query options (`$count`,
  `$search`, ...) are refused with 400 rather than silently ignored, so a client relying
  on them notices in the sandbox.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from sandbox.odata.filter import ParsedFilter, parse_filter
from sandbox.odata.store import EntitySetSpec, Record

SUPPORTED_OPTIONS = frozenset({"$filter", "$select", "$orderby", "$top", "$skip", "$skiptoken"})


class QueryError(ValueError):
    """A query option is malformed; `property_name` is set when a property is unknown."""

    def __init__(self, message: str, property_name: str | None = None) -> None:
        super().__init__(message)
        self.property_name = property_name


@dataclass(frozen=True)
class QueryOptions:
    """The parsed system query options of one request."""

    filter: ParsedFilter | None = None
    select: tuple[str, ...] | None = None
    orderby: tuple[tuple[str, bool], ...] = ()  # (property, descending)
    top: int | None = None
    skip: int = 0
    skiptoken: str | None = None
    expand: str | None = None


def parse_options(
    args: Mapping[str, str], spec: EntitySetSpec, allowed_extra: frozenset[str] = frozenset()
) -> QueryOptions:
    """Read `$` options from the query string. Raises QueryError, FilterSyntaxError."""
    for name in args:
        if name.startswith("$") and name not in SUPPORTED_OPTIONS | allowed_extra:
            raise QueryError(f"The query option '{name}' is not supported by this sandbox.")
    parsed = parse_filter(args["$filter"]) if args.get("$filter") else None
    if parsed is not None:
        _check_known(spec, parsed.properties())
    select = None
    if args.get("$select"):
        select = tuple(part.strip() for part in args["$select"].split(","))
        _check_known(spec, select)
    orderby = _parse_orderby(args.get("$orderby", ""), spec)
    return QueryOptions(
        filter=parsed,
        select=select,
        orderby=orderby,
        top=_non_negative(args, "$top"),
        skip=_non_negative(args, "$skip") or 0,
        skiptoken=args.get("$skiptoken"),
        expand=args.get("$expand") or None,
    )


def _parse_orderby(text: str, spec: EntitySetSpec) -> tuple[tuple[str, bool], ...]:
    clauses: list[tuple[str, bool]] = []
    for clause in filter(None, (part.strip() for part in text.split(","))):
        words = clause.split()
        if len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise QueryError(f"The $orderby clause '{clause}' is not valid.")
        clauses.append((words[0], len(words) == 2 and words[1] == "desc"))
    _check_known(spec, [name for name, _ in clauses])
    return tuple(clauses)


def _non_negative(args: Mapping[str, str], name: str) -> int | None:
    if name not in args:
        return None
    text = args[name]
    if not text.isdigit():
        raise QueryError(f"Invalid value '{text}' for {name}: a non-negative integer is expected.")
    return int(text)


def _check_known(spec: EntitySetSpec, names: Sequence[str] | set[str]) -> None:
    for name in names:
        if not spec.known(name.split("/")[0]):
            raise QueryError(
                f"Could not find a property named '{name}' on type '{spec.entity_type}'.", name
            )


# --- ordering and keyset paging ------------------------------------------------------------
class _Descending:
    """Inverts the order of a rank inside a sort tuple."""

    __slots__ = ("rank",)

    def __init__(self, rank: tuple[Any, ...]) -> None:
        self.rank = rank

    def __lt__(self, other: _Descending) -> bool:
        return other.rank < self.rank

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.rank == other.rank

    def __hash__(self) -> int:
        return hash(self.rank)


def _rank(value: Any, fold: Callable[[str], str]) -> tuple[Any, ...]:
    # Kinds are ranked apart so mixed columns never raise TypeError.
    if value is None:
        return (0,)
    if isinstance(value, bool | int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, fold(value), value)
    return (3, json.dumps(value, sort_keys=True))


@dataclass(frozen=True)
class _Ordering:
    fields: tuple[tuple[str, bool], ...]
    key: str
    fold: Callable[[str], str]

    def values(self, row: Record) -> list[Any]:
        return [row.get(name) for name, _ in self.fields] + [str(row[self.key]).lower()]

    def sort_key(self, values: Sequence[Any]) -> tuple[Any, ...]:
        ranks: list[Any] = []
        for (_, descending), value in zip(self.fields, values, strict=False):
            rank = _rank(value, self.fold)
            ranks.append(_Descending(rank) if descending else rank)
        ranks.append(_rank(values[-1], self.fold))
        return tuple(ranks)


def encode_skiptoken(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_skiptoken(token: str) -> list[Any]:
    """Raises QueryError when the token was not issued by this engine."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error) as exc:
        raise QueryError("The $skiptoken is not valid.") from exc
    if not isinstance(values, list) or not values:
        raise QueryError("The $skiptoken is not valid.")
    return values


@dataclass(frozen=True)
class PageResult:
    rows: list[tuple[Record, str]]
    next_token: str | None
    total: int = 0  # rows matching the filter, before paging (for `$count`)


def run_query(
    snapshot: list[tuple[Record, str]],
    spec: EntitySetSpec,
    options: QueryOptions,
    page_size: int,
    *,
    case_insensitive: bool = False,
) -> PageResult:
    """Filter, order and cut one page out of a snapshot of (row, etag) pairs."""
    fold: Callable[[str], str] = str.casefold if case_insensitive else str
    rows = snapshot
    if options.filter is not None:
        match = options.filter.matches
        rows = [item for item in rows if match(item[0], case_insensitive=case_insensitive)]
    total = len(rows)
    ordering = _Ordering(options.orderby, spec.key, fold)
    rows.sort(key=lambda item: ordering.sort_key(ordering.values(item[0])))
    if options.skiptoken is not None:
        values = decode_skiptoken(options.skiptoken)
        if len(values) != len(options.orderby) + 1:
            raise QueryError("The $skiptoken does not belong to this query.")
        after = ordering.sort_key(values)
        start = bisect.bisect_right(
            rows, after, key=lambda i: ordering.sort_key(ordering.values(i[0]))
        )
        rows = rows[start:]
    elif options.skip:
        rows = rows[options.skip :]
    if options.top is not None:
        return PageResult(rows[: min(options.top, page_size)], None, total)
    page = rows[:page_size]
    more = len(rows) > page_size
    token = encode_skiptoken(ordering.values(page[-1][0])) if more else None
    return PageResult(page, token, total)


def next_link(collection_url: str, args: Mapping[str, str], token: str) -> str:
    """The query of this request with `$skip` dropped and the new `$skiptoken`."""
    pairs = [(k, v) for k, v in args.items() if k not in ("$skiptoken", "$skip")]
    pairs.append(("$skiptoken", token))
    query = urlencode(pairs, quote_via=quote, safe="$,'()")
    return f"{collection_url}?{query}"


def select_fields(
    row: Record, select: tuple[str, ...] | None, always: tuple[str, ...] = ()
) -> Record:
    """The row limited to `$select` (plus `always`), in the entity's own field order."""
    if select is None:
        return row
    wanted = set(select) | set(always)
    return {name: value for name, value in row.items() if name in wanted}
