"""Map CRM Data (product document §3.5, §14, §17): couple records both systems already have.

Three jobs, each a `Matching` (data): BC salespeople ⇄ CRM owners (systemusers) by e-mail,
BC currencies ⇄ CRM currencies by code, BC customers ⇄ CRM accounts by name; values match
trimmed and case-insensitively. Only active CRM rows are candidates (owners not disabled,
currencies and accounts in state Active): a coupling to a row CRM no longer uses would
break every later flow that writes through it.

gather → decide → apply: the CRM rows are indexed by their matched value (the one
whole-table read; BC is streamed a chunk at a time). Each BC record is coupled already,
has no value, matches no CRM row, matches several, or claims exactly one. A CRM row
claimed by two BC records, or coupled to another BC record already, is coupled to none of
them: the job never guesses; the report names the candidates and an operator decides. A
new coupling is saved (`shared.sync.couplings`) and its CRM id written onto the BC record
(companion `crmIds`, the product's "BCS CRM ID"). A refused write-back is reported on the
record; the coupling keeps `written_back` false and the next run writes it again.

Base currency (§17): BC keeps no currency record for its local currency (a blank currency
code means it); CRM does, and its organization row names it
(`organizations.basecurrencyid`). The currencies job couples that CRM currency to a fixed BC side,
`BASE_CURRENCY_BC_ID` with key "", so document flows turn a blank BC currency code into
CRM's base currency and back through the same coupling table (`by_bc(CURRENCIES_ENTITY,
BASE_CURRENCY_BC_ID)`, `by_crm`). Nothing is written back for it: there is no BC record.
A BC currency with the base currency's code (a BC whose local currency is another) claims
the same CRM row, so both are reported as several matches rather than guessed.

`dry_run` reads and decides only: the report says what a run would couple.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from shared.errors import FatalError, HubError
from shared.flows.crm_setup import crm_ports, enabled_setup
from shared.flows.deps import Deps
from shared.flows.flow_status import tracked
from shared.flows.locks import hold_lock
from shared.registry import Flow
from shared.sync.couplings import Coupling, Couplings, key_of
from shared.sync.runner import chunks
from shared.sync.sides import BcWriteBack

BASE_CURRENCY_BC_ID = "00000000-0000-0000-0000-000000000000"
"""The BC side of the base currency's coupling: BC's blank currency code has no record."""
CURRENCIES_ENTITY = "currencies"
CHUNK = 200  # BC records whose couplings are read together
SAVE_CHUNK = 33  # couplings saved together: three rows each, one store transaction (≤ 100)
READ_THREADS = 8  # coupling point reads in parallel


class MappingJob(StrEnum):
    SALESPERSONS = "salespersons"
    CURRENCIES = "currencies"
    CUSTOMERS = "customers"


class Outcome(StrEnum):
    COUPLED = "coupled"
    COUPLED_BASE_CURRENCY = "coupled (base currency)"
    ALREADY_COUPLED = "already coupled"
    NO_MATCH = "no match"
    SEVERAL_MATCHES = "several matches"


@dataclass(frozen=True)
class Matching:
    """What one job couples, and by which value on each side."""

    entity: str  # the coupling table's entity name
    bc_label: str
    crm_label: str
    bc_set: str
    bc_key: str  # the BC record's code or number
    bc_value: str  # the value matched
    crm_set: str
    crm_id: str
    crm_value: str
    crm_names: tuple[str, ...]  # the columns that name a candidate in the report
    crm_active: tuple[str, object]  # the column and value of rows that may be coupled
    what: str
    base_currency: bool = False  # CRM's base currency is coupled to BC's blank code too


MATCHINGS = {
    MappingJob.SALESPERSONS: Matching(
        "salespersons", "salesperson", "owner", "salespeoplePurchasers", "code", "email",
        "systemusers", "systemuserid", "internalemailaddress", ("fullname",),
        ("isdisabled", False), "e-mail",
    ),
    MappingJob.CURRENCIES: Matching(
        CURRENCIES_ENTITY, "currency", "currency", "currencies", "code", "code",
        "transactioncurrencies", "transactioncurrencyid", "isocurrencycode", ("currencyname",),
        ("statecode", 0), "code", base_currency=True,
    ),
    MappingJob.CUSTOMERS: Matching(
        "customers", "customer", "account", "customers", "number", "displayName",
        "accounts", "accountid", "name", ("name", "accountnumber"), ("statecode", 0), "name",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class MappedRecord:
    """One BC record (or BC's blank currency code) and what the job did with it."""

    bc_id: str
    bc_key: str
    outcome: Outcome
    crm_id: str = ""
    detail: str = ""
    write_back_failed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"bcId": self.bc_id, "bcKey": self.bc_key, "crmId": self.crm_id,
                "outcome": self.outcome.value, "detail": self.detail}  # fmt: skip


@dataclass
class MappingReport:
    """What one run of a job did (or, dry, would do), per record in BC's order."""

    job: MappingJob
    dry_run: bool = False
    correlation_id: str = ""
    records: list[MappedRecord] = field(default_factory=list)

    def counts(self) -> dict[Outcome, int]:
        counts = dict.fromkeys(Outcome, 0)
        for record in self.records:
            counts[record.outcome] += 1
        return counts

    @property
    def write_back_failures(self) -> int:
        return sum(1 for record in self.records if record.write_back_failed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job.value, "dryRun": self.dry_run,
            "counts": {outcome.value: n for outcome, n in self.counts().items()},
            "writeBackFailed": self.write_back_failures,
            **({"correlationId": self.correlation_id} if self.correlation_id else {}),
            "records": [record.as_dict() for record in self.records],
        }  # fmt: skip

    def lines(self) -> list[str]:
        """The report as the CLI prints it: a summary, then one line per record."""
        summary = ", ".join(f"{n} {self._said(o)}" for o, n in self.counts().items() if n)
        head = f"Map CRM Data, {self.job.value}: {summary or 'no records'}"
        if self.write_back_failures:
            head += f"; {self.write_back_failures} CRM id(s) not written back to BC"
        if self.dry_run:
            head += " (dry run: nothing written)"
        rows = [f"  {r.bc_key or '(blank)':<20} {self._said(r.outcome):<29} "
                f"{r.crm_id or '-':<36}  {r.detail}".rstrip() for r in self.records]  # fmt: skip
        return [head, *rows]

    def _said(self, outcome: Outcome) -> str:
        if self.dry_run and outcome in (Outcome.COUPLED, Outcome.COUPLED_BASE_CURRENCY):
            return outcome.value.replace("coupled", "would couple", 1)
        return outcome.value


def map_crm_data(
    deps: Deps, job: MappingJob, *, dry_run: bool = False, correlation_id: str = ""
) -> MappingReport:
    """Run one Map CRM Data job (see the module docstring).

    Raises ConfigurationError when the integration is disabled (CRM_INTEGRATION_ENABLED)
    or Dataverse or BC is not configured (DATAVERSE_URL, BC_API_URL), the fatal errors of
    either side (credentials refused), TransientError when the job runs elsewhere already,
    ValueError for an unknown job. What is wrong with a record is its outcome in the
    report, never raised.
    """
    enabled_setup(deps)
    job = MappingJob(job)
    with tracked(deps, Flow.CRM_MAPPING):
        mapper = _Mapper(deps, MATCHINGS[job], dry_run)
        if dry_run:
            records = mapper.run()
        else:  # two runs of one job would both claim the same CRM rows
            with hold_lock(deps, f"crm-mapping|{job.value}", wait=5.0):
                records = mapper.run()
    return MappingReport(job, dry_run, correlation_id, records)


@dataclass(frozen=True)
class _Candidate:
    id: str
    name: str

    def __str__(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


@dataclass(frozen=True)
class _Claim:
    """A BC record (or the blank currency code, `base`) that matches exactly one CRM row."""

    order: int
    bc_id: str
    bc_key: str
    candidate: _Candidate
    detail: str
    base: bool = False

    def __str__(self) -> str:
        return "BC's blank currency code" if self.base else self.bc_key or self.bc_id


class _Mapper:
    def __init__(self, deps: Deps, matching: Matching, dry_run: bool) -> None:
        self.dataverse, self.bc = crm_ports(deps)
        self.m, self.dry_run = matching, dry_run
        self.couplings = Couplings(deps.store)
        self.done: dict[int, MappedRecord] = {}  # by order: the base currency, then BC's
        self.claims: dict[str, list[_Claim]] = defaultdict(list)  # by CRM id
        self.retries: list[tuple[int, Coupling]] = []  # coupled, CRM id not on BC yet

    def run(self) -> list[MappedRecord]:
        index = self._crm_index()
        if self.m.base_currency:
            self._base_currency(index)
        order = 1
        columns = ("id", self.m.bc_key, self.m.bc_value)
        for chunk in chunks(self.bc.records(self.m.bc_set, select=columns), CHUNK):
            coupled = self._read(self.couplings.by_bc, [str(row["id"]).lower() for row in chunk])
            for row, coupling in zip(chunk, coupled, strict=True):
                self._gather(order, row, coupling, index)
                order += 1
        self._decide()
        if not self.dry_run:
            self._retry_write_backs()
        return [self.done[order] for order in sorted(self.done)]

    # --- gather -----------------------------------------------------------------------
    def _crm_index(self) -> dict[str, list[_Candidate]]:
        m, index = self.m, defaultdict(list)
        state, active = m.crm_active
        rows = self.dataverse.rows(m.crm_set, select=(m.crm_id, m.crm_value, state, *m.crm_names))
        for row in rows:
            if row.get(state) != active:
                continue
            if value := _normal(row.get(m.crm_value)):
                names = dict.fromkeys(str(row.get(c) or "").strip() for c in m.crm_names)
                name = " ".join(n for n in names if n)
                index[value].append(_Candidate(str(row[m.crm_id]).lower(), name))
        return index

    def _base_currency(self, index: Mapping[str, list[_Candidate]]) -> None:
        """BC's blank currency code claims the CRM currency the organization names base."""
        coupled = self.couplings.by_bc(self.m.entity, BASE_CURRENCY_BC_ID)
        if coupled is not None:
            self._put(0, BASE_CURRENCY_BC_ID, "", Outcome.ALREADY_COUPLED, coupled.crm_id,
                      "BC's blank currency code is CRM's base currency")  # fmt: skip
            return
        organizations = self.dataverse.rows("organizations", select=("_basecurrencyid_value",))
        base_id = str(next(organizations, {}).get("_basecurrencyid_value") or "").lower()
        found = [c for candidates in index.values() for c in candidates if c.id == base_id]
        if not found:
            self._put(0, BASE_CURRENCY_BC_ID, "", Outcome.NO_MATCH, "", "CRM's organization "
                      f"names no active base currency ({base_id or 'none'})")  # fmt: skip
            return
        detail = f"CRM's base currency {found[0]} is BC's blank currency code"
        self.claims[base_id].append(_Claim(0, BASE_CURRENCY_BC_ID, "", found[0], detail, True))

    def _gather(self, order: int, row: Mapping[str, Any], coupling: Coupling | None,
                index: Mapping[str, list[_Candidate]]) -> None:  # fmt: skip
        m = self.m
        bc_id, key = str(row["id"]).lower(), str(row.get(m.bc_key) or "")
        value = str(row.get(m.bc_value) or "").strip()
        candidates = index.get(_normal(value), [])
        if coupling is not None:
            waiting = "" if coupling.written_back else "CRM id not written back to BC yet"
            self._put(order, bc_id, key, Outcome.ALREADY_COUPLED, coupling.crm_id, waiting)
            if waiting:
                self.retries.append((order, coupling))
        elif not value:
            self._put(order, bc_id, key, Outcome.NO_MATCH, "", f"the {m.bc_label} has no {m.what}")
        elif not candidates:
            self._put(order, bc_id, key, Outcome.NO_MATCH, "",
                      f'no active CRM {m.crm_label} has the {m.what} "{value}"')  # fmt: skip
        elif len(candidates) > 1:
            self._put(order, bc_id, key, Outcome.SEVERAL_MATCHES, "",
                      f'{len(candidates)} CRM {m.crm_label}s have the {m.what} "{value}": '
                      + ", ".join(map(str, candidates)))  # fmt: skip
        else:
            detail = f'CRM {m.crm_label} {candidates[0]} has the {m.what} "{value}"'
            self.claims[candidates[0].id].append(_Claim(order, bc_id, key, candidates[0], detail))

    # --- decide and apply -------------------------------------------------------------
    def _decide(self) -> None:
        """A CRM row claimed once, and coupled to no other BC record, is coupled."""
        single = []
        for claims in self.claims.values():
            if len(claims) == 1:
                single.append(claims[0])
                continue
            named = ", ".join(map(str, claims))
            for claim in claims:
                self._put(claim.order, claim.bc_id, claim.bc_key, Outcome.SEVERAL_MATCHES, "",
                          f"{len(claims)} BC records match CRM {self.m.crm_label} "
                          f"{claim.candidate}: {named}")  # fmt: skip
        for chunk in chunks(single, SAVE_CHUNK):
            free = []
            taken = self._read(self.couplings.by_crm, [claim.candidate.id for claim in chunk])
            for claim, other in zip(chunk, taken, strict=True):
                if other is None:
                    free.append(claim)
                else:
                    holder = ("BC's blank currency code" if other.bc_id == BASE_CURRENCY_BC_ID
                              else f"BC {self.m.bc_label} {other.key or other.bc_id}")  # fmt: skip
                    self._put(claim.order, claim.bc_id, claim.bc_key, Outcome.NO_MATCH, "",
                              f"{claim.detail}, but it is coupled to {holder} already")  # fmt: skip
            if free:
                self._couple(free)

    def _read(
        self, read: Callable[[str, str], Coupling | None], ids: Sequence[str]
    ) -> list[Coupling | None]:
        """Couplings by BC or CRM id: point reads, in parallel."""
        with ThreadPoolExecutor(READ_THREADS) as pool:
            return list(pool.map(lambda i: read(self.m.entity, i), ids))

    def _couple(self, claims: Sequence[_Claim]) -> None:
        pairs = {claim.bc_id: claim.candidate.id for claim in claims if not claim.base}
        errors = self._write_back(pairs) if pairs and not self.dry_run else {}
        saved = []
        for claim in claims:
            error = errors.get(claim.bc_id)
            why = f"; CRM id not written back to BC: {error.message}" if error else ""
            outcome = Outcome.COUPLED_BASE_CURRENCY if claim.base else Outcome.COUPLED
            self._put(claim.order, claim.bc_id, claim.bc_key, outcome, claim.candidate.id,
                      claim.detail + why, failed=error is not None)  # fmt: skip
            # The base currency has no BC record, so there is nothing left to write back.
            saved.append(Coupling(self.m.entity, claim.bc_id, claim.candidate.id,
                                  key_of(claim.bc_key), written_back=error is None))  # fmt: skip
        if not self.dry_run:
            self.couplings.save_many(saved)

    def _retry_write_backs(self) -> None:
        """Couplings whose CRM id did not reach BC on an earlier run: write it now."""
        for chunk in chunks(self.retries, SAVE_CHUNK):
            errors = self._write_back({coupling.bc_id: coupling.crm_id for _, coupling in chunk})
            fixed = []
            for order, coupling in chunk:
                error = errors.get(coupling.bc_id)
                if error is None:
                    fixed.append(replace(coupling, written_back=True))
                detail = (f"CRM id still not written back to BC: {error.message}" if error
                          else "CRM id written back to BC now")  # fmt: skip
                self.done[order] = replace(self.done[order], detail=detail,
                                           write_back_failed=error is not None)  # fmt: skip
            if fixed:
                self.couplings.save_many(fixed)

    def _write_back(self, pairs: Mapping[str, str]) -> dict[str, HubError | None]:
        """BC id → None once the CRM id is on the record, else why not. A fatal error
        (credentials refused) stops the job rather than being one record's problem."""
        results = BcWriteBack(self.bc).crm_ids(pairs)
        fatal = next((e for e in results.values() if isinstance(e, FatalError)), None)
        if fatal is not None:
            raise fatal
        return results

    def _put(self, order: int, bc_id: str, key: str, outcome: Outcome, crm_id: str,
             detail: str, *, failed: bool = False) -> None:  # fmt: skip
        self.done[order] = MappedRecord(bc_id, key, outcome, crm_id, detail, failed)


def _normal(value: object) -> str:
    """A matched value as compared: trimmed, case-insensitive."""
    return str(value or "").strip().casefold()
