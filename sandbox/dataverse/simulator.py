"""Dataverse Web API v9.2 simulator.

Routes: `/api/data/v9.2/{entitySet}[({id})]`. Seeded sets: `accounts` (key `accountid`)
and `contacts` (key `contactid`); more can be registered in `state` (an `EntityStore`).

Dataverse quirks reproduced:

- bearer token whose audience is this environment's URL (`http://127.0.0.1:PORT`, with or
  without the trailing slash) and whose tenant (`tid`) is the environment's; otherwise 401 with a `WWW-Authenticate: Bearer
  authorization_uri=..., resource_id=...` challenge and an error whose `code` is empty
  (as in Microsoft's own examples),
- pages of at most 5,000 rows (`Prefer: odata.maxpagesize` lowers it),
- text comparisons and ordering are case-insensitive (SQL collation),
- the primary key is always returned, even when `$select` leaves it out,
- POST → 204 with `OData-EntityId` (201 with the record when
  `Prefer: return=representation`); PATCH → 204 (200 with representation),
- PATCH without `If-Match` is an upsert (creates the row with the URL's id if missing);
  `If-None-Match: *` makes it create-only (412 when the row exists),
  `If-Match: *` update-only (404 when missing), a stale `If-Match` → 412 `0x80060882`,
- lookups are written with `nav@odata.bind: "/accounts(<id>)"` and read back as
  `_<attribute>_value` (e.g. contact `parentcustomerid_account` → `_parentcustomerid_value`),
- hex error codes: missing record 404 `0x80040217`, bad query 400 `0x80060888`, unknown
  set 404 `0x8006088a`, bad payload 400 `0x80048d19`, duplicate 412 `0x80040237`,
- ETags are `W/"<version number>"`,
- injected faults: 429 `0x80072322` (the request-count limit), 503 `0x80040216`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.dataverse.seed import LOOKUPS, seed_sets
from sandbox.entra.tokens import BearerError, TokenMint, bearer_challenge
from sandbox.faults import Fault, FaultInjector
from sandbox.odata.dialect import ODATA_HEADERS, ODataDialect, Target, split_segments
from sandbox.odata.engine import ODataEngine
from sandbox.odata.store import EntitySetSpec, EntityStore, Record, RecordNotFound
from sandbox.server import ServiceError, Simulator, json_response

API_PATH = "/api/data/v9.2"
_VERSION_OFFSET = 1_000_000  # real row versions are large numbers


@dataclass(frozen=True)
class DataverseConfig:
    tenant_id: str
    base_url: str  # the environment URL, also the token audience
    authority_host: str = "https://login.microsoftonline.com"


class DataverseDialect(ODataDialect):
    service = "Dataverse"
    max_page_size = 5000
    case_insensitive = True
    patch_upserts = True
    select_always_key = True

    def etag(self, version: int) -> str:
        return f'W/"{_VERSION_OFFSET + version}"'

    def prepare_body(self, store: EntityStore, spec: EntitySetSpec, body: Record) -> Record:
        fields: Record = {}
        for name, value in body.items():
            if name.endswith("@odata.bind"):
                attribute, target_id = self._bind(
                    store, spec, name.removesuffix("@odata.bind"), value
                )
                fields[attribute] = target_id
            elif "@odata." not in name:
                fields[name] = value
        return fields

    def _bind(
        self, store: EntityStore, spec: EntitySetSpec, navigation: str, value: Any
    ) -> tuple[str, str]:
        lookup = LOOKUPS.get(spec.name, {}).get(navigation)
        if lookup is None:
            raise self.bad_body(
                spec,
                f"An undeclared property '{navigation}' which only has property annotations in "
                "the payload but no property value was found in the payload.",
            )
        attribute, target_set = lookup
        target = str(value or "").strip("/")
        prefix = f"{target_set}("
        if not (target.startswith(prefix) and target.endswith(")")):
            raise self.bad_body(
                spec, f"The @odata.bind of '{navigation}' must be '/{target_set}(<id>)'."
            )
        target_id = target[len(prefix) : -1].lower()
        try:
            store.get(target_set, target_id)
        except RecordNotFound:
            raise self.not_found(store.spec(target_set), target_id) from None
        return attribute, target_id

    def not_found(self, spec: EntitySetSpec, key: str) -> ServiceError:
        name = spec.entity_type.rsplit(".", 1)[-1]
        return self.error(404, "0x80040217", f"{name} With Id = {key} Does Not Exist")

    def unknown_segment(self, segment: str) -> ServiceError:
        return self.error(404, "0x8006088a", f"Resource not found for the segment '{segment}'.")

    def bad_query(self, message: str) -> ServiceError:
        return self.error(400, "0x80060888", message)

    def bad_body(self, spec: EntitySetSpec, message: str) -> ServiceError:
        return self.error(
            400, "0x80048d19",
            f"Error identified in Payload provided by the user for Entity :'{spec.name}'. {message}",
        )  # fmt: skip

    def stale(self, spec: EntitySetSpec, key: str) -> ServiceError:
        return self.error(
            412, "0x80060882",
            "The version of the existing record doesn't match the RowVersion property provided.",
        )  # fmt: skip

    def duplicate(self, spec: EntitySetSpec, key: str) -> ServiceError:
        return self.error(412, "0x80040237", "A record with matching key values already exists.")

    def created(self, target: Target, entity: Record, key: str, prefer: dict[str, Any]) -> Response:
        return self._written(target, entity, key, prefer, 201)

    def updated(self, target: Target, entity: Record, key: str, prefer: dict[str, Any]) -> Response:
        return self._written(target, entity, key, prefer, 200)

    def _written(
        self, target: Target, entity: Record, key: str, prefer: dict[str, Any], status: int
    ) -> Response:
        headers = {**ODATA_HEADERS, "OData-EntityId": target.entity_url(key)}
        if "return" in prefer and prefer["return"] == "representation":
            headers["Preference-Applied"] = "return=representation"
            body = {"@odata.context": f"{target.context_url}/$entity", **entity}
            return json_response(body, status, headers)
        return Response(status=204, headers=headers)


class DataverseSimulator(Simulator):
    """One Dataverse environment; entity sets in `state`."""

    name = "dataverse"

    def __init__(
        self, config: DataverseConfig, mint: TokenMint, faults: FaultInjector | None = None
    ) -> None:
        self.config = config
        self.mint = mint
        self.dialect = DataverseDialect()
        self.state = EntityStore(self.dialect.etag)
        for spec, rows in seed_sets():
            self.state.register(spec, rows)
        self.engine = ODataEngine(self.state, self.dialect)
        super().__init__(faults)

    @property
    def audiences(self) -> set[str]:
        base = self.config.base_url.rstrip("/")
        return {base, base + "/"}

    def register_entity_set(
        self, spec: EntitySetSpec, rows: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        self.state.register(spec, rows)

    def rules(self) -> Iterable[Rule]:
        return [
            Rule(
                f"{API_PATH}/<path:resource>",
                endpoint=self.on_api,
                methods=["GET", "POST", "PATCH", "DELETE"],
            )
        ]

    def fault_error(self, fault: Fault) -> ServiceError:
        if fault.status == 429:
            return self.dialect.error(
                429, "0x80072322",
                "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
            )  # fmt: skip
        return self.dialect.error(fault.status, "0x80040216", "An unexpected error occurred.")

    def on_api(self, request: Request, resource: str) -> Response:
        self._authenticate(request)
        segments = split_segments(resource)
        if len(segments) != 1:
            raise self.dialect.unknown_segment(segments[1][0] if len(segments) > 1 else resource)
        entity_set, key = segments[0]
        root = f"{request.host_url.rstrip('/')}{API_PATH}"
        target = Target(entity_set, f"{root}/{entity_set}", f"{root}/$metadata#{entity_set}")
        return self.engine.handle(request, target, key)

    def _authenticate(self, request: Request) -> None:
        try:
            claims = self.mint.verify_bearer(request.headers.get("Authorization"), self.audiences)
            if claims["tid"] != self.config.tenant_id:  # an environment has one Entra tenant
                raise BearerError(
                    "invalid_token",
                    f"The token's tenant '{claims['tid']}' is not the environment's tenant.",
                )
        except BearerError as error:
            challenge = bearer_challenge(
                f"{self.config.authority_host}/{self.config.tenant_id}/oauth2/authorize",
                error,
                resource_id=self.config.base_url.rstrip("/") + "/",
            )
            failure = self.dialect.error(401, "", error.description)
            failure.headers["WWW-Authenticate"] = challenge
            raise failure from None
