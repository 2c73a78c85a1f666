"""Business Central API v2.0 simulator, with the hub's companion API.

Routes (below `/v2.0/{tenant}/{environment}/`):

- `api/v2.0/companies`, `.../companies({id})/{set}[({id})][/{navigation}[({id})]...]`,
  `.../{set}({id})/Microsoft.NAV.<action>` (post; quotes' send, makeOrder, makeInvoice;
  orders' shipAndInvoice) and `api/v2.0/$batch`; the company may also be
  given as `?company=` (id or name) or a `Company` header (name),
- `api/ecppro/hub/v1.0/...` and its `$batch`: the companion API (BC_CUSTOM_API.md), with
  its own navigations (`crmSalesQuotes({id})/lines`, `salesDocumentArchives({id})/lines`)
  and bound actions (`purchaseDocuments`' forceDelete, `crmSalesQuotes`' and
  `crmSalesOrders`' archive).

The sandbox's own routes: `/_sandbox/faults`, `/_sandbox/stats` (every simulator) and
`GET|POST|DELETE /_sandbox/limits` (the OData limits per user, `sandbox.business_central.limits`).

Entity sets (seeded from `sandbox.catalog`, listed in `business_central_registry` and
BC_SIMULATOR.md): the masters the connector needs (customers, vendors, items, contacts,
currencies and the code tables), G/L accounts and dimensions, the six document kinds with
their lines and dimension set lines, and the companion API's sets. Each set's properties
are a schema (`business_central_schema`); BC's rules for documents live in
`business_central_headers`, `_lines`, `_dimensions`, `_posting`, `_sales_documents`,
`_no_series` and, for documents from CRM, `_crm_sales` and `_crm_locks`,
for masters in `_master_rules`, `_contacts` and `_relations`; the OData behaviour in
`business_central_dialect`.

BC quirks reproduced here:

- bearer token for audience `https://api.businesscentral.dynamics.com` whose `tid` is the
  URL's tenant; otherwise 401 `Authentication_InvalidCredentials` with a
  `WWW-Authenticate: Bearer authorization_uri=...` challenge (for both API routes),
- every write request is one transaction: a deep insert that fails on its third line
  leaves nothing behind; reads never see half a write,
- `companies`, accounts, dimensions, dimension values, default dimensions and the two
  posting group sets are read-only (405 `BadRequest_MethodNotAllowed`),
- OData limits per user (the token's `oid`): 6,000 requests per 5-minute sliding window,
  5 processed at once with the rest queued (503 after the 8-minute operation timeout),
  100 connections and 95 queued (429 `Application_TooManyRequests` with `Retry-After`),
  checked before the injected faults; a request without a valid token is not counted,
- injected faults: 429 `Application_TooManyRequests`, 503 `Unavailable`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.business_central import registry
from sandbox.business_central.admin import BusinessCentralAdmin
from sandbox.business_central.custom_api import CUSTOM_API_PATH, LINE_DIMENSIONS
from sandbox.business_central.dialect import BusinessCentralDialect, bc_error
from sandbox.business_central.documents import DIMENSION_SET_LINES
from sandbox.business_central.headers import HeaderRules
from sandbox.business_central.limits import (
    LimitRequest,
    OperationalLimits,
    too_many_requests,
    unavailable,
)
from sandbox.business_central.routes import ApiSurface, Router
from sandbox.business_central.seed import COMPANIES, company_row
from sandbox.entra.tokens import BearerError, TokenMint, bearer_challenge
from sandbox.faults import Fault, FaultInjector
from sandbox.odata.batch import run_batch
from sandbox.odata.dialect import Target, split_segments
from sandbox.odata.engine import ODataEngine
from sandbox.odata.store import EntitySetSpec, EntityStore, Record
from sandbox.server import ServiceError, Simulator, on_limits

AUDIENCE = "https://api.businesscentral.dynamics.com"
DEFAULT_COMPANY_ID = "9c4f2b1a-7d3e-4f60-8a21-5b6c7d8e9f01"
STANDARD_API_PATH = "api/v2.0"


@dataclass(frozen=True)
class BusinessCentralConfig:
    tenant_id: str
    environment: str = "production"
    company_id: str = DEFAULT_COMPANY_ID
    company_name: str = "CRONUS International Ltd."
    authority_host: str = "https://login.microsoftonline.com"


class BusinessCentralWrites:
    """The engine's writes: BC's rules where a set has them, the plain store for the rest."""

    def __init__(self, store: EntityStore) -> None:
        self.store = store
        self.headers = HeaderRules(store)
        self.rules = registry.write_rules(store, self.headers)

    def insert(self, name: str, record: Mapping[str, Any]) -> tuple[Record, str]:
        return self.rules.get(name, self.store).insert(name, record)

    def update(
        self, name: str, key: str, changes: Mapping[str, Any], *, if_match: str | None = None
    ) -> tuple[Record, str]:
        return self.rules.get(name, self.store).update(name, key, changes, if_match=if_match)

    def delete(self, name: str, key: str, *, if_match: str | None = None) -> None:
        self.rules.get(name, self.store).delete(name, key, if_match=if_match)


class BusinessCentralSimulator(Simulator):
    """One tenant, one environment, one company; entity sets in `state`."""

    name = "business-central"

    def __init__(
        self, config: BusinessCentralConfig, mint: TokenMint, faults: FaultInjector | None = None
    ) -> None:
        self.config = config
        self.mint = mint
        sets = registry.seeded_sets()
        self.dialect = BusinessCentralDialect(registry.schemas(sets))
        self.state = EntityStore(self.dialect.etag)
        self.state.register(COMPANIES.spec(), [company_row(config.company_id, config.company_name)])
        for schema, rows in sets:
            self.state.register(schema.spec(), rows)
        self.writes = BusinessCentralWrites(self.state)
        self.engine = ODataEngine(self.state, self.dialect, self.writes)
        self.router = Router(self.engine, registry.navigations(), registry.child_views(self.state))
        self.admin = BusinessCentralAdmin(self.state)
        self.limits = OperationalLimits()
        self.standard_api, self.custom_api = self._surfaces()
        super().__init__(faults)

    def _surfaces(self) -> tuple[ApiSurface, ApiSurface]:
        store, headers = self.state, self.writes.headers
        standard = ApiSurface(
            STANDARD_API_PATH, excluded=registry.COMPANION_SETS | registry.HIDDEN_SETS,
            read_only=registry.STANDARD_READ_ONLY,
            nested_only={DIMENSION_SET_LINES: "You must get to the parent first to get to "
                                              "the dimension set line."},
            views=registry.standard_views(store),
            lookups=registry.standard_lookups(store),
            actions=registry.standard_actions(store, headers),
        )  # fmt: skip
        custom = ApiSurface(
            CUSTOM_API_PATH, sets=registry.COMPANION_SETS,
            read_only=registry.COMPANION_READ_ONLY,
            no_patch=frozenset({LINE_DIMENSIONS}),
            patch_only=registry.COMPANION_PATCH_ONLY, no_delete=registry.COMPANION_NO_DELETE,
            views=registry.companion_views(store),
            lookups=registry.companion_lookups(store),
            actions=registry.companion_actions(store, headers),
        )  # fmt: skip
        return standard, custom

    def register_entity_set(
        self, spec: EntitySetSpec, rows: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        """Serve another company-scoped entity set (key `id`) through the same engine."""
        self.state.register(spec, rows)

    def rules(self) -> Iterable[Rule]:
        methods = ["GET", "POST", "PATCH", "DELETE"]
        return [
            Rule(f"/v2.0/<tenant>/<environment>/{STANDARD_API_PATH}/<path:resource>",
                 endpoint=partial(self.on_api, self.standard_api), methods=methods),
            Rule(f"/v2.0/<tenant>/<environment>/{CUSTOM_API_PATH}/<path:resource>",
                 endpoint=partial(self.on_api, self.custom_api), methods=methods),
        ]  # fmt: skip

    def admin_rules(self) -> Iterable[Rule]:
        return [
            Rule(
                "/_sandbox/limits",
                endpoint=partial(on_limits, limits=self.limits, body=LimitRequest),
                methods=["GET", "POST", "DELETE"],
            )
        ]

    def fault_error(self, fault: Fault) -> ServiceError:
        if fault.status == 429:  # what BC answers when the connections are exhausted
            return too_many_requests(101, 100)
        return unavailable(fault.status)

    def dispatch(self, request: Request) -> Response:
        """Hold one of the caller's processing slots (`limits`) around the rest."""
        user = self._limited_user(request)
        if user is None:
            return super().dispatch(request)
        try:
            slot = self.limits.enter(user)
        except ServiceError as refusal:
            self.stats.count_request()
            return self.error_response(refusal)
        try:
            return super().dispatch(request)
        finally:
            self.limits.leave(slot)

    def _limited_user(self, request: Request) -> str | None:
        """Whose limits an API request counts against: the token's `oid` (else `appid`).

        None for the sandbox's routes, and for a request without a valid token: BC cannot
        tell whose it is, and `on_api` answers it 401.
        """
        if not request.path.startswith("/v2.0/"):
            return None
        try:
            claims = self.mint.verify_bearer(request.headers.get("Authorization"), {AUDIENCE})
        except BearerError:
            return None
        return str(claims.get("oid") or claims.get("appid"))

    def on_api(
        self, surface: ApiSurface, request: Request, tenant: str, environment: str, resource: str
    ) -> Response:
        self._authenticate(request, tenant)
        if tenant != self.config.tenant_id or environment != self.config.environment:
            raise self.dialect.error(
                404, "BadRequest_ResourceNotFound",
                f"Environment '{environment}' of tenant '{tenant}' does not exist.",
            )  # fmt: skip
        api_path = f"/v2.0/{tenant}/{environment}/{surface.path}"
        if resource.strip("/") == "$batch":
            if request.method != "POST":
                raise self._not_allowed(request.method, "$batch")
            return run_batch(request, self, self.state, api_path, bc_error)
        segments = split_segments(resource)
        if not segments:
            raise self.dialect.unknown_segment(resource)
        root = f"{request.host_url.rstrip('/')}{api_path}"
        if segments[0][0] == "companies" and len(segments) == 1:
            if request.method != "GET":
                raise self._not_allowed(request.method, "companies")
            target = Target("companies", f"{root}/companies", f"{root}/$metadata#companies")
            return self.engine.handle(request, target, segments[0][1])
        company_id, rest = self._company(request, segments)
        base = f"{root}/companies({company_id})"
        if request.method == "GET":
            return self.router.handle(request, surface, base, rest)
        with self.state.atomic():  # one request, one transaction
            return self.router.handle(request, surface, base, rest)

    def _company(
        self, request: Request, segments: list[tuple[str, str | None]]
    ) -> tuple[str, list[tuple[str, str | None]]]:
        """The company id and the segments below it (`companies(id)/...` or `?company=`)."""
        spec = self.state.spec("companies")
        if segments[0][0] == "companies":
            if segments[0][1] is None:
                raise self.dialect.bad_query("A company id is required: companies({id})/...")
            key = self.engine.key(spec, segments[0][1])
            if key != self.config.company_id.lower():
                raise self.dialect.not_found(spec, key)
            return key, segments[1:]
        wanted = request.args.get("company") or request.headers.get("Company")
        if wanted and wanted.lower() in (self.config.company_id.lower(),
                                         self.config.company_name.lower()):  # fmt: skip
            return self.config.company_id.lower(), segments
        raise self.dialect.error(
            400, "Internal_CompanyNotFound",
            "Cannot process the request because the default company cannot be found. "
            "Specify the company as companies({id})/..., ?company= or a Company header.",
        )  # fmt: skip

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
