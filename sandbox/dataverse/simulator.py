"""Dataverse Web API v9.2 simulator: the tables of `sandbox.dataverse.tables` at `/api/data/v9.2/`.

What a request goes through, in order:

- a bearer token whose audience is this environment's URL (`http://127.0.0.1:PORT`, with
  or without the trailing slash) and whose tenant (`tid`) is the environment's; otherwise
  401 with a `WWW-Authenticate: Bearer authorization_uri=..., resource_id=...` challenge
  and an error whose `code` is empty (as in Microsoft's own examples),
- service protection limits of the token's user (`sandbox.dataverse.limits`), then the
  injected faults (429 `0x80072322` with `Retry-After`, 503),
- the application user: an app's first request makes its systemuser row (the app's
  `applicationid`), which then owns and stamps what the app writes (`WhoAmI` answers it),
- `$batch` (`sandbox.dataverse.batch`) or one request (`sandbox.dataverse.service`),
- errors in Dataverse's shape (`sandbox.dataverse.errors`); ETags are `W/"<version>"`.

The sandbox's own routes: `/_sandbox/faults`, `/_sandbox/stats` (every simulator),
the limits, revising a confirmed project invoice and making one
(`sandbox.dataverse.admin_routes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.routing import Rule
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from sandbox.catalog import stable_id
from sandbox.dataverse import errors
from sandbox.dataverse.admin_routes import AdminRoutes
from sandbox.dataverse.annotations import ERROR_DETAILS
from sandbox.dataverse.batch import run_batch
from sandbox.dataverse.changes import ChangeTracking
from sandbox.dataverse.context import API_PATH, Call
from sandbox.dataverse.invoicing import (
    NewProjectInvoice,
    ProjectInvoiceDetail,
    create_project_invoice,
    revise_project_invoice,
)
from sandbox.dataverse.limits import ServiceProtection
from sandbox.dataverse.metadata import Metadata
from sandbox.dataverse.queries import Reader
from sandbox.dataverse.render import Renderer
from sandbox.dataverse.schema import Table
from sandbox.dataverse.seed import (
    ORGANIZATION_NAME,
    Seeder,
    row_id,
    seed_customers,
    seed_masters,
)
from sandbox.dataverse.seed_documents import seed_documents
from sandbox.dataverse.service import Service
from sandbox.dataverse.tables import Catalog
from sandbox.dataverse.writes import Writer
from sandbox.entra.tokens import BearerError, TokenMint, bearer_challenge
from sandbox.faults import Fault, FaultInjector
from sandbox.odata.store import DuplicateKey, EntityStore, Record, utc_now
from sandbox.server import ServiceError, Simulator

_VERSION_OFFSET = 1_000_000  # real row versions are large numbers
_SEED_TIME = datetime(2025, 2, 3, 9, 30, tzinfo=UTC)
_CLAIMS = "sandbox.dataverse.claims"
SYSTEM_USER = stable_id("dataverse", "systemusers", "SYSTEM")


@dataclass(frozen=True)
class DataverseConfig:
    tenant_id: str
    base_url: str  # the environment URL, also the token audience
    authority_host: str = "https://login.microsoftonline.com"


class _Clock:
    """The store's clock: seed rows get past timestamps, everything after them now."""

    def __init__(self) -> None:
        self.seeding, self._step = True, 0

    def __call__(self) -> str:
        if not self.seeding:
            return utc_now()
        self._step += 1
        moment = _SEED_TIME + timedelta(minutes=self._step)
        return moment.isoformat().replace("+00:00", "Z")


class DataverseSimulator(Simulator):
    """One Dataverse environment."""

    name = "dataverse"

    def __init__(
        self, config: DataverseConfig, mint: TokenMint, faults: FaultInjector | None = None
    ) -> None:
        self.config = config
        self.mint = mint
        self.tables = Catalog()
        self._clock = _Clock()
        self.state = EntityStore(lambda version: f'W/"{_VERSION_OFFSET + version}"', self._clock)
        for table in self.tables:
            self.state.register(table.entity_set_spec())
        self.writer = Writer(self.tables, self.state, row_id("transactioncurrencies", "GBP"))
        self.renderer = Renderer(self.tables, self.state)
        self.changes = ChangeTracking(self.state)
        self.limits = ServiceProtection()
        reader = Reader(self.tables, self.state, self.renderer, self.changes)
        self.service = Service(
            self.tables, self.writer, reader, self.renderer, Metadata(self.tables), self._who_am_i
        )
        self.admin_routes = AdminRoutes(self.writer, self.renderer, self.limits, self.system_call)
        self._seed()
        super().__init__(faults)

    def _seed(self) -> None:
        call = self.system_call()
        seeder = Seeder(self.tables, self.writer, call)
        seeder.add("systemusers", "SYSTEM", {"firstname": "SYSTEM", "domainname": "SYSTEM"})
        seed_masters(seeder)
        seed_customers(seeder)
        seed_documents(seeder, self.service.actions)
        self._clock.seeding = False

    # --- in-process helpers ------------------------------------------------------------
    def system_call(self, caller: str = SYSTEM_USER) -> Call:
        """A call as the SYSTEM user (or `caller`) for in-process writes."""
        builder = EnvironBuilder(path=API_PATH, base_url=self.config.base_url)
        try:
            return Call(
                Request(builder.get_environ()), self.config.base_url.rstrip("/") + API_PATH, caller
            )
        finally:
            builder.close()

    def register_entity_set(self, table: Table, rows: Iterable[Mapping[str, Any]] = ()) -> None:
        """Serve another table (tests), with rows kept as given."""
        self.tables.add(table)
        self.state.register(table.entity_set_spec(), rows)

    def revise_project_invoice(
        self, invoice_id: str, *, confirm: bool = False, kept: Mapping[str, float] | None = None
    ) -> Record:
        """The revision of a confirmed project invoice (see `sandbox.dataverse.invoicing`)."""
        return revise_project_invoice(
            self.writer,
            self.tables,
            self.system_call(),
            invoice_id.lower(),
            confirm=confirm,
            kept=kept,
        )

    def create_project_invoice(
        self, number: str, account_id: str, project_id: str,
        details: Sequence[ProjectInvoiceDetail | Mapping[str, Any]], *,
        currency: str | None = None, invoice_date: str | None = None, confirm: bool = False,
        name: str | None = None,
    ) -> Record:  # fmt: skip
        """A project invoice with lines and line details (see `sandbox.dataverse.invoicing`).

        Raises pydantic.ValidationError for a detail without quantity or price or with an
        unknown class or billing type; ServiceError as `create_project_invoice` does.
        """
        new = NewProjectInvoice.model_validate({
            "number": number, "account_id": account_id, "project_id": project_id,
            "details": details, "currency": currency, "invoice_date": invoice_date,
            "confirm": confirm, "name": name,
        })  # fmt: skip
        return create_project_invoice(self.writer, self.tables, self.system_call(), new)[0]

    # --- routing ------------------------------------------------------------------------
    @property
    def audiences(self) -> set[str]:
        base = self.config.base_url.rstrip("/")
        return {base, base + "/"}

    def rules(self) -> Iterable[Rule]:
        return [Rule(f"{API_PATH}/<path:resource>", endpoint=self.on_api,
                     methods=["GET", "POST", "PATCH", "DELETE", "PUT"])]  # fmt: skip

    def admin_rules(self) -> Iterable[Rule]:
        return self.admin_routes.rules()

    def error_response(self, error: ServiceError) -> Response:
        return errors.render(error)

    def fault_error(self, fault: Fault) -> ServiceError:
        if fault.status == 429:
            return errors.error(
                429, "0x80072322",
                "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
            )  # fmt: skip
        return errors.error(fault.status, "0x80040216", "An unexpected error occurred.")

    def dispatch(self, request: Request) -> Response:
        """Authenticate, then apply the caller's service protection limits around the rest."""
        if not request.path.startswith(API_PATH):
            return super().dispatch(request)
        try:
            claims = self._authenticate(request)
            user = str(claims.get("oid") or claims.get("appid"))
            started = self.limits.enter(user)
        except ServiceError as failure:
            self.stats.count_request()
            return self.error_response(failure)
        request.environ[_CLAIMS] = claims
        try:
            response = super().dispatch(request)
        finally:
            rate_headers = self.limits.leave(user, started)
        response.headers.update(rate_headers)
        return response

    def on_api(self, request: Request, resource: str) -> Response:
        claims = request.environ.get(_CLAIMS) or self._authenticate(request)
        call = Call(request, f"{request.host_url.rstrip('/')}{API_PATH}", self._caller(claims))
        if resource == "$batch":
            if request.method != "POST":
                return errors.render(errors.method_not_allowed(request.method, "$batch"))
            return self._batch(call)
        return self._serve(call, resource)

    def _serve(self, call: Call, resource: str) -> Response:
        try:
            return self.service.handle(call, resource)
        except ServiceError as failure:
            return errors.render(failure, annotations=call.annotations.wants(ERROR_DETAILS))

    def _batch(self, call: Call) -> Response:
        def run(inner: Request, ids: dict[str, str]) -> Response:
            inner_call = Call(inner, call.root, call.caller, ids)
            return self._serve(inner_call, inner.path.split(API_PATH, 1)[-1].lstrip("/"))

        try:
            response, ran = run_batch(call.request, run, self.state.atomic)
        except ServiceError as failure:
            return errors.render(failure)
        self.stats.count_inner(ran)
        return response

    # --- identity -----------------------------------------------------------------------
    def _authenticate(self, request: Request) -> dict[str, Any]:
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
            failure = errors.error(401, "", error.description)
            failure.headers["WWW-Authenticate"] = challenge
            raise failure from None
        return claims

    def _caller(self, claims: Mapping[str, Any]) -> str:
        """The systemuser of the token's app, made on its first request."""
        app_id = str(claims.get("appid") or claims.get("oid"))
        user_id = stable_id("dataverse", "systemusers", f"app/{app_id}")
        if not self.state.find("systemusers", "systemuserid", user_id):
            row = {"systemuserid": user_id, "applicationid": app_id, "firstname": "#",
                   "lastname": app_id, "fullname": f"# {app_id}", "domainname": f"{app_id}@sandbox.example",
                   "_createdby_value": SYSTEM_USER, "_modifiedby_value": SYSTEM_USER}  # fmt: skip
            with suppress(DuplicateKey):  # another request of the same app made it first
                self.state.insert("systemusers", row)
        return user_id

    def _who_am_i(self, call: Call) -> Record:
        return {"BusinessUnitId": stable_id("dataverse", "businessunits", "root"),
                "UserId": call.caller,
                "OrganizationId": row_id("organizations", ORGANIZATION_NAME)}  # fmt: skip
