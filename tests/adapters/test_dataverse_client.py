"""DataverseClient against the Dataverse simulator over real HTTP: what the sync engine needs.

Each test names the Web API page whose behaviour it relies on; the simulator's own tests
pin those behaviours, these pin that the client uses them correctly.
"""

from __future__ import annotations

import threading
import uuid

import pytest

from sandbox.run import RunningSandbox
from shared.adapters.dataverse.client import DataverseClient
from shared.bootstrap import build_dataverse
from shared.config import Settings
from shared.errors import ConflictError, DependencyNotSynced, NotFound, RejectedError
from shared.ports.dataverse import ChangeSet, Operation

pytestmark = pytest.mark.sandbox

FORMATTED = "@OData.Community.Display.V1.FormattedValue"


@pytest.fixture
def dataverse(sandbox_settings: Settings) -> DataverseClient:
    return build_dataverse(sandbox_settings)


def code(prefix: str = "T") -> str:
    """A unique code that fits the connector's Code[10] columns."""
    return f"{prefix}{uuid.uuid4().hex[: 10 - len(prefix)].upper()}"


def test_upsert_by_alternate_key_creates_once_then_updates(dataverse: DataverseClient) -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api
    # learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record
    key = {"bcs_code": code("O'")}  # an apostrophe in a key is quoted, not a broken URL
    first = dataverse.upsert("bcs_paymentterms", key, {"bcs_description": "Net 30"})
    again = dataverse.upsert("bcs_paymentterms", key, {"bcs_description": "Net 30 days"})
    assert first.created and not again.created and first.id == again.id
    row = dataverse.get("bcs_paymentterms", key, annotations=True)
    assert row["bcs_paymenttermid"] == first.id and row["bcs_description"] == "Net 30 days"
    assert row[f"statecode{FORMATTED}"] == "Active"
    assert dataverse.get("bcs_paymentterms", first.id)["bcs_code"] == key["bcs_code"]


def test_create_only_and_update_only_upserts(dataverse: DataverseClient) -> None:
    # perform-conditional-operations-using-web-api: If-None-Match: * and If-Match: *
    key = {"bcs_code": code()}
    with pytest.raises(NotFound):
        dataverse.upsert("bcs_shipmentmethods", key, {"bcs_description": "x"}, mode="update")
    dataverse.upsert("bcs_shipmentmethods", key, {"bcs_description": "Ex works"}, mode="create")
    with pytest.raises(ConflictError):
        dataverse.upsert("bcs_shipmentmethods", key, {"bcs_description": "y"}, mode="create")
    updated = dataverse.upsert("bcs_shipmentmethods", key, {"bcs_description": "z"}, mode="update")
    assert not updated.created and updated.row["bcs_description"] == "z"


def test_lookups_bind_by_alternate_key_and_read_back_with_their_annotations(
    dataverse: DataverseClient,
) -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api
    # learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns (lookup values)
    term = code()
    dataverse.upsert("bcs_paymentterms", {"bcs_code": term}, {"bcs_description": "Net 14"})
    number = code("C")
    account = dataverse.upsert(
        "accounts",
        {"accountnumber": number},
        {"name": "Fabrikam Bikes", "bcs_PaymentTermId@odata.bind": f"/bcs_paymentterms(bcs_code='{term}')"},
    )  # fmt: skip
    row = dataverse.get("accounts", account.id, annotations=True)
    assert row["_bcs_paymenttermid_value"]
    assert row[f"_bcs_paymenttermid_value{FORMATTED}"] == term  # the primary name column
    assert (
        row["_bcs_paymenttermid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]
        == "bcs_paymentterm"
    )
    listed = list(
        dataverse.rows("accounts", filter=f"accountnumber eq '{number}'", select=["name"])
    )
    assert [found["accountid"] for found in listed] == [account.id]


def test_a_row_whose_parent_is_not_synced_yet_is_transient(dataverse: DataverseClient) -> None:
    # compose-http-requests-handle-errors: 0x80040217 / 0x80060891 "does not exist"
    missing = code()
    with pytest.raises(DependencyNotSynced):
        dataverse.upsert(
            "accounts",
            {"accountnumber": code("C")},
            {"name": "Orphan", "bcs_PaymentTermId@odata.bind": f"/bcs_paymentterms(bcs_code='{missing}')"},
        )  # fmt: skip
    with pytest.raises(DependencyNotSynced):
        dataverse.create("contacts", {
            "lastname": "Orphan",
            "parentcustomerid_account@odata.bind": f"/accounts({uuid.uuid4()})",
        })  # fmt: skip
    with pytest.raises(NotFound):  # a read of a missing row is just missing
        dataverse.get("accounts", str(uuid.uuid4()))


def test_refused_values_name_the_column(dataverse: DataverseClient) -> None:
    # compose-http-requests-handle-errors: 0x80044331 for a value longer than the column
    with pytest.raises(RejectedError, match="bcs_code"):
        dataverse.upsert("bcs_paymentterms", {"bcs_code": code()}, {"bcs_code": "X" * 11})


def test_a_failed_change_set_leaves_nothing_behind(dataverse: DataverseClient) -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
    number, name = code("C"), f"Batch {uuid.uuid4().hex[:8]}"
    results = dataverse.execute([
        ChangeSet([
            Operation("POST", "accounts", {"name": name, "accountnumber": number}, content_id="1"),
            Operation("POST", "contacts", {"lastname": "Ok", "parentcustomerid_account@odata.bind": "$1"}),
            Operation("POST", "contacts", {"lastname": "L" * 51}),
        ]),
    ])  # fmt: skip
    assert [result.status for result in results] == [424, 424, 400]
    assert all(isinstance(result.error, RejectedError) for result in results)
    assert list(dataverse.rows("accounts", filter=f"accountnumber eq '{number}'")) == []


def test_change_sets_refer_to_rows_they_create_and_batches_continue_on_error(
    dataverse: DataverseClient,
) -> None:
    # execute-batch-operations-using-web-api: Content-ID references, odata.continue-on-error
    number = code("C")
    results = dataverse.execute(
        [
            Operation("PATCH", f"bcs_locations(bcs_code='{code()}')", {"bcs_description": "Bad" * 40}),
            ChangeSet([
                Operation("POST", "accounts", {"name": "Contoso", "accountnumber": number}, content_id="a"),
                Operation("POST", "contacts", {"lastname": "Berg", "parentcustomerid_account@odata.bind": "$a"}),
            ]),
            Operation("GET", f"accounts?$filter=accountnumber eq '{number}'&$select=name"),
        ],
        continue_on_error=True,
    )  # fmt: skip
    assert [result.status for result in results] == [400, 204, 204, 200]
    assert isinstance(results[0].error, RejectedError) and results[1].error is None
    account_id = results[1].entity_id
    assert account_id and results[3].body["value"][0]["accountid"] == account_id
    contacts = list(dataverse.rows("contacts", filter=f"_parentcustomerid_value eq {account_id}"))
    assert [contact["lastname"] for contact in contacts] == ["Berg"]


def test_without_continue_on_error_the_first_failure_ends_the_batch(
    dataverse: DataverseClient,
) -> None:
    good, bad, never = code(), code(), code()
    results = dataverse.execute([
        Operation("PATCH", f"bcs_taxareas(bcs_code='{good}')", {"bcs_description": "ok"}),
        Operation("PATCH", f"bcs_taxareas(bcs_code='{bad}')", {"bcs_description": "x" * 101}),
        Operation("PATCH", f"bcs_taxareas(bcs_code='{never}')", {"bcs_description": "never"}),
    ])  # fmt: skip
    assert [result.status for result in results] == [204, 400]
    assert dataverse.get("bcs_taxareas", {"bcs_code": good})["bcs_description"] == "ok"
    with pytest.raises(NotFound):
        dataverse.get("bcs_taxareas", {"bcs_code": never})


def test_more_than_a_thousand_operations_go_in_several_batches(
    dataverse: DataverseClient,
) -> None:
    # execute-batch-operations-using-web-api: "Batch requests can contain up to 1000 individual requests"
    prefix = uuid.uuid4().hex[:4].upper()
    operations = [
        Operation("PATCH", f"bcs_countryregions(bcs_code='{prefix}{n:05d}')", {"bcs_description": f"R{n}"})
        for n in range(1_205)
    ]  # fmt: skip
    before = dataverse.http.requests_sent
    results = dataverse.execute(operations)
    assert dataverse.http.requests_sent - before == 2
    assert len(results) == 1_205 and {result.status for result in results} == {204}
    written = dataverse.rows(
        "bcs_countryregions", filter=f"startswith(bcs_code,'{prefix}')", select=["bcs_code"]
    )
    assert sum(1 for _ in written) == 1_205


def test_paging_follows_next_links_to_the_last_row(sandbox_settings: Settings) -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results
    small = DataverseClient(build_dataverse(sandbox_settings).http, page_size=7)
    before = small.http.requests_sent
    codes = [row["bcs_code"] for row in small.rows("bcs_countryregions", select=["bcs_code"])]
    assert len(codes) == len(set(codes)) > 7
    assert small.http.requests_sent - before == -(-len(codes) // 7)


def test_change_tracking_reports_updates_and_deletions_since_the_delta_link(
    dataverse: DataverseClient,
) -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems
    account = dataverse.upsert("accounts", {"accountnumber": code("C")}, {"name": "Tracked"})
    feed = dataverse.changes("bcs_shiptoaddresses", select=["bcs_code", "bcs_name"])
    initial = list(feed)
    assert feed.delta_link and all(change.kind == "updated" for change in initial)
    ship_to = dataverse.upsert(
        "bcs_shiptoaddresses",
        {"bcs_customerno": account.row["accountnumber"], "bcs_code": "MAIN"},
        {"bcs_name": "Main warehouse", "bcs_AccountId@odata.bind": f"/accounts({account.id})"},
    )
    later = dataverse.changes(
        "bcs_shiptoaddresses", select=["bcs_code"], delta_link=feed.delta_link
    )
    assert [(change.kind, change.id) for change in later] == [("updated", ship_to.id)]
    dataverse.delete("bcs_shiptoaddresses", ship_to.id)
    last = dataverse.changes(
        "bcs_shiptoaddresses", select=["bcs_code"], delta_link=later.delta_link
    )
    assert [(change.kind, change.id) for change in last] == [("deleted", ship_to.id)]


def test_a_stale_etag_is_a_conflict(dataverse: DataverseClient) -> None:
    # perform-conditional-operations-using-web-api: 412 0x80060882
    key = {"bcs_code": code()}
    dataverse.upsert("bcs_shippingagents", key, {"bcs_description": "DHL"})
    etag = dataverse.get("bcs_shippingagents", key)["@odata.etag"]
    dataverse.upsert("bcs_shippingagents", key, {"bcs_description": "UPS"})
    with pytest.raises(ConflictError):
        dataverse.delete("bcs_shippingagents", key, etag=etag)


def test_service_protection_429s_are_waited_out(
    dataverse: DataverseClient, sandbox: RunningSandbox
) -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/api-limits (Retry-After)
    sandbox.dataverse.limits.configure(requests=3, window_seconds=1)
    refused_before = sandbox.dataverse.limits.refused
    key = {"bcs_code": code()}
    for n in range(8):
        dataverse.upsert("bcs_locations", key, {"bcs_description": f"Round {n}"})
    assert sandbox.dataverse.limits.refused > refused_before  # the limit was really hit
    assert dataverse.get("bcs_locations", key)["bcs_description"] == "Round 7"


def test_requests_in_flight_stay_within_the_concurrency_limit(
    sandbox_settings: Settings, sandbox: RunningSandbox
) -> None:
    # api-limits: "Number of concurrent requests exceeded the limit of 52" (0x80072326)
    sandbox.dataverse.limits.configure(concurrent=3)
    sandbox.dataverse.faults.configure(delay_ms=120)  # each request holds its slot a while

    def refusals(in_flight: int) -> int:
        settings = sandbox_settings.model_copy(update={"dataverse_max_in_flight": in_flight})
        client = build_dataverse(settings)
        before, answers = sandbox.dataverse.limits.refused, []
        threads = [
            threading.Thread(
                target=lambda: answers.append(client.get("bcs_countryregions", {"bcs_code": "GB"}))
            )
            for _ in range(9)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [row["bcs_code"] for row in answers] == ["GB"] * 9  # every read got through
        return sandbox.dataverse.limits.refused - before

    assert refusals(3) == 0
    assert refusals(9) > 0  # the same work unbounded is refused


def test_concurrent_upserts_of_one_key_make_one_row(dataverse: DataverseClient) -> None:
    # use-alternate-key-reference-record: the alternate key is unique
    key = {"bcs_code": code()}
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            dataverse.upsert("bcs_configtemplates", key, {"bcs_description": f"T{n}"})
        except ConflictError as error:  # the loser of a create race, never a second row
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = list(dataverse.rows("bcs_configtemplates", filter=f"bcs_code eq '{key['bcs_code']}'"))
    assert len(rows) == 1
