"""Business Central API v2.0 simulator.

Routes: `/v2.0/{tenant}/{environment}/api/v2.0/companies`, `.../companies({id})` and
`.../companies({id})/{entitySet}[({id})]`. Every entity set registered in `state` (an
`EntityStore`, key `id`) is served by the shared OData engine; seeds: customers,
vendors, items, currencies (see `business_central_seed`).

BC quirks reproduced:

- bearer token for audience `https://api.businesscentral.dynamics.com` whose `tid` is the
  URL's tenant; otherwise 401 `Authentication_InvalidCredentials` with a
  `WWW-Authenticate: Bearer authorization_uri=...` challenge,
- pages of at most 20,000 rows (`Prefer: odata.maxpagesize` lowers it),
- text comparisons are case-sensitive (`tolower`/`toupper` make them insensitive),
- `or` across different fields is refused (400): BC cannot turn it into an AL filter,
- nested function calls (`contains(tolower(x),'y')`) need `$schemaversion=2.1` (400 without),
- PATCH and DELETE require `If-Match` (missing → 400 `BadRequest_InvalidToken`); a stale
  ETag → 409 `Request_EntityChanged`; `If-Match: *` overwrites,
- POST → 201 with the entity and its `@odata.etag`; PATCH → 200 with the entity,
- ETags look like BC's (`W/"JzE5Oz...Jw=="`, base64 of a quoted version string),
- a missing `number` on POST is drawn from the entity's number series,
- `companies` is read-only (405 `BadRequest_MethodNotAllowed`),
- every error message ends with `CorrelationId:  <guid>.` like BC's,
- injected faults: 429 `Application_TooManyRequests`, 503 `Unavailable`.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox import business_central_seed as seed
from sandbox.faults import Fault, FaultInjector
from sandbox.odata import ODataEngine, split_segments
from sandbox.odata_dialect import ODATA_HEADERS, ODataDialect, Target
from sandbox.odata_query import QueryOptions
from sandbox.odata_store import EntitySetSpec, EntityStore, Record
from sandbox.server import ServiceError, Simulator, json_response
from sandbox.tokens import BearerError, TokenMint, bearer_challenge

AUDIENCE = "https://api.businesscentral.dynamics.com"
DEFAULT_COMPANY_ID = "9c4f2b1a-7d3e-4f60-8a21-5b6c7d8e9f01"


@dataclass(frozen=True)
class BusinessCentralConfig:
    tenant_id: str
    environment: str = "production"
    company_id: str = DEFAULT_COMPANY_ID
    company_name: str = "CRONUS International Ltd."
    authority_host: str = "https://login.microsoftonline.com"


def bc_etag(version: int) -> str:
    digits = str(version)
    return 'W/"' + base64.b64encode(f"'{len(digits)};{digits};00;'".encode()).decode() + '"'


class BusinessCentralDialect(ODataDialect):
    service = "Business Central"
    max_page_size = 20_000
    require_if_match = True
    extra_options = frozenset({"$schemaversion"})

    def etag(self, version: int) -> str:
        return bc_etag(version)

    def error(self, status: int, code: str, message: str) -> ServiceError:
        return ServiceError(
            status, code, f"{message}  CorrelationId:  {uuid.uuid4()}.", ODATA_HEADERS
        )

    def check_filter(self, request: Request, options: QueryOptions) -> None:
        if options.filter is None:
            return
        fields = options.filter.or_across_fields()
        if fields is not None:
            raise self.error(
                400, "BadRequest",
                "The 'or' operator cannot combine filters on different fields "
                f"({', '.join(fields)}); use it on one field only.",
            )  # fmt: skip
        if options.filter.has_nested_call() and request.args.get("$schemaversion") != "2.1":
            raise self.error(
                400, "BadRequest",
                "Nested function calls in $filter require $schemaversion=2.1.",
            )  # fmt: skip

    def not_found(self, spec: EntitySetSpec, key: str) -> ServiceError:
        name = spec.entity_type.rsplit(".", 1)[-1]
        return self.error(
            404, "BadRequest_NotFound",
            f"The {name} does not exist. Identification fields and values: Id='{key}'",
        )  # fmt: skip

    def unknown_segment(self, segment: str) -> ServiceError:
        return self.error(
            404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{segment}'."
        )

    def bad_query(self, message: str) -> ServiceError:
        return self.error(400, "BadRequest", message)

    def bad_body(self, spec: EntitySetSpec, message: str) -> ServiceError:
        return self.error(400, "BadRequest", f"Invalid Request Body. {message}")

    def missing_if_match(self) -> ServiceError:
        return self.error(
            400, "BadRequest_InvalidToken",
            "Could not validate the client concurrency token required by the service. "
            "Please provide a valid token in the client request.",
        )  # fmt: skip

    def stale(self, spec: EntitySetSpec, key: str) -> ServiceError:
        return self.error(
            409, "Request_EntityChanged", "Another user has already changed the record."
        )

    def duplicate(self, spec: EntitySetSpec, key: str) -> ServiceError:
        name = spec.entity_type.rsplit(".", 1)[-1]
        return self.error(
            400, "Internal_EntityWithSameKeyExists",
            f"The {name} already exists. Identification fields and values: Id='{key}'",
        )  # fmt: skip

    def created(self, target: Target, entity: Record, key: str, prefer: dict[str, Any]) -> Response:
        body = {"@odata.context": f"{target.context_url}/$entity", **entity}
        headers = {
            **ODATA_HEADERS,
            "ETag": entity["@odata.etag"],
            "Location": target.entity_url(key),
        }
        return json_response(body, 201, headers)

    def updated(self, target: Target, entity: Record, key: str, prefer: dict[str, Any]) -> Response:
        body = {"@odata.context": f"{target.context_url}/$entity", **entity}
        return json_response(body, 200, {**ODATA_HEADERS, "ETag": entity["@odata.etag"]})


class BusinessCentralSimulator(Simulator):
    """One tenant, one environment, one company; entity sets in `state`."""

    name = "business-central"

    def __init__(
        self, config: BusinessCentralConfig, mint: TokenMint, faults: FaultInjector | None = None
    ) -> None:
        self.config = config
        self.mint = mint
        self.dialect = BusinessCentralDialect()
        self.state = EntityStore(self.dialect.etag)
        self.state.register(
            seed.COMPANIES, [seed.company_row(config.company_id, config.company_name)]
        )
        for spec, rows in seed.seed_sets():
            self.state.register(spec, rows)
        self.engine = ODataEngine(self.state, self.dialect)
        super().__init__(faults)

    def register_entity_set(
        self, spec: EntitySetSpec, rows: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        """Serve another company-scoped entity set (key `id`) through the same engine."""
        self.state.register(spec, rows)

    def rules(self) -> Iterable[Rule]:
        return [
            Rule(
                "/v2.0/<tenant>/<environment>/api/v2.0/<path:resource>",
                endpoint=self.on_api,
                methods=["GET", "POST", "PATCH", "DELETE"],
            )
        ]

    def fault_error(self, fault: Fault) -> ServiceError:
        if fault.status == 429:
            return self.dialect.error(
                429,
                "Application_TooManyRequests",
                "Too many requests reached.  Actual (101).  Maximum (100).",
            )
        return self.dialect.error(
            fault.status, "Unavailable", "The service is temporarily unavailable. Please try again."
        )

    def on_api(self, request: Request, tenant: str, environment: str, resource: str) -> Response:
        self._authenticate(request, tenant)
        if tenant != self.config.tenant_id or environment != self.config.environment:
            raise self.dialect.error(
                404, "BadRequest_ResourceNotFound",
                f"Environment '{environment}' of tenant '{tenant}' does not exist.",
            )  # fmt: skip
        root = f"{request.host_url}v2.0/{tenant}/{environment}/api/v2.0"
        segments = split_segments(resource)
        if not segments or segments[0][0] != "companies":
            raise self.dialect.unknown_segment(segments[0][0] if segments else resource)
        company_key = segments[0][1]
        if len(segments) == 1:
            if request.method != "GET":
                raise self._not_allowed(request.method, "companies")
            target = Target("companies", f"{root}/companies", f"{root}/$metadata#companies")
            return self.engine.handle(request, target, company_key)
        company_id = self._company(company_key)
        if len(segments) > 2:
            raise self.dialect.unknown_segment(segments[2][0])
        entity_set, key = segments[1]
        if entity_set == "companies":
            raise self.dialect.unknown_segment(entity_set)
        path = f"companies({company_id})/{entity_set}"
        target = Target(entity_set, f"{root}/{path}", f"{root}/$metadata#{path}")
        return self.engine.handle(request, target, key)

    def _company(self, raw_key: str | None) -> str:
        spec = self.state.spec("companies")
        if raw_key is None:
            raise self.dialect.bad_query("A company id is required: companies({id})/...")
        key = self.engine.key(spec, raw_key)
        if key != self.config.company_id.lower():
            raise self.dialect.not_found(spec, key)
        return key

    def _not_allowed(self, method: str, entity_set: str) -> ServiceError:
        return self.dialect.error(
            405, "BadRequest_MethodNotAllowed",
            f"'{method}' requests for '{entity_set}' of EdmType 'Entity' are not allowed "
            "within Microsoft Dynamics 365 Business Central OData web services.",
        )  # fmt: skip

    def _authenticate(self, request: Request, tenant: str) -> None:
        try:
            claims = self.mint.verify_bearer(request.headers.get("Authorization"), {AUDIENCE})
            if claims["tid"] != tenant:
                raise BearerError("invalid_token", f"The token's tenant is not '{tenant}'.")
        except BearerError as error:
            challenge = bearer_challenge(
                f"{self.config.authority_host}/{self.config.tenant_id}/oauth2/authorize",
                error,
                resource_id=AUDIENCE,
            )
            failure = self.dialect.error(
                401,
                "Authentication_InvalidCredentials",
                "The server has rejected the client credentials.",
            )
            failure.headers["WWW-Authenticate"] = challenge
            raise failure from None
