"""The Dataverse client's own rules, on a scripted transport (the simulator tests the rest)."""

from __future__ import annotations

import json

import pytest
import requests

from shared.adapters.dataverse.batch import decode_batch, encode_batch
from shared.adapters.dataverse.client import DataverseClient, row_key, scope_for
from shared.adapters.http import HttpClient
from shared.errors import ConflictError, DependencyNotSynced, NotFound, RejectedError
from shared.ports.dataverse import ChangeSet, Operation
from tests.fakes.http import ScriptedSession, response

ROOT = "https://org.crm.dynamics.com/api/data/v9.2"


def client(*answers: requests.Response) -> tuple[DataverseClient, ScriptedSession]:
    session = ScriptedSession(*answers)
    http = HttpClient(ROOT, api_name="Dataverse", session=session, sleep=lambda s: None)  # type: ignore[arg-type]
    return DataverseClient(http, page_size=20_000), session


def multipart(status: int, body: str, boundary: str = "batchresponse_1") -> requests.Response:
    answer = response(status, text=body.replace("\n", "\r\n"))
    answer.headers["Content-Type"] = f"multipart/mixed; boundary={boundary}"
    return answer


def test_every_request_says_its_odata_version_and_pages_stay_within_5000() -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
    dataverse, session = client(
        response(200, {"value": [{"accountid": "a1"}], "@odata.nextLink": "https://org/next"}),
        response(200, {"value": [{"accountid": "a2"}]}),
        response(204),
    )
    assert [row["accountid"] for row in dataverse.rows("accounts")] == ["a1", "a2"]
    dataverse.delete("accounts", "a1")
    for sent in session.sent:
        assert sent["headers"]["OData-Version"] == "4.0"
        assert sent["headers"]["OData-MaxVersion"] == "4.0"
    assert session.sent[0]["headers"]["Prefer"] == "odata.maxpagesize=5000"
    assert session.sent[1]["url"] == "https://org/next"  # followed exactly as given
    assert session.sent[2]["headers"]["If-Match"] == "*"  # never an accidental upsert


def test_rows_are_addressed_by_id_or_alternate_key() -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record
    assert (
        row_key("00000000-0000-0000-0000-000000000001") == "(00000000-0000-0000-0000-000000000001)"
    )
    assert row_key({"bcs_code": "O'NET 30"}) == "(bcs_code='O''NET 30')"
    assert (
        row_key({"bcs_customerno": "C00010", "bcs_entryno": 7})
        == "(bcs_customerno='C00010',bcs_entryno=7)"
    )
    assert scope_for("https://org.crm.dynamics.com/") == "https://org.crm.dynamics.com/.default"


@pytest.mark.parametrize(
    ("mode", "header", "value"),
    [("upsert", None, None), ("create", "If-None-Match", "*"), ("update", "If-Match", "*")],
)
def test_upsert_modes_and_whether_it_created(
    mode: str, header: str | None, value: str | None
) -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api
    created = response(201, {"bcs_paymenttermid": "p1", "bcs_code": "NET30"})
    created.headers["OData-EntityId"] = f"{ROOT}/bcs_paymentterms(p1)"
    dataverse, session = client(created)
    upserted = dataverse.upsert(
        "bcs_paymentterms", {"bcs_code": "NET30"}, {"bcs_name": "Net 30"}, mode=mode
    )  # type: ignore[arg-type]
    assert (upserted.id, upserted.created) == ("p1", True)
    sent = session.sent[0]
    assert (sent["method"], sent["url"]) == ("PATCH", f"{ROOT}/bcs_paymentterms(bcs_code='NET30')")
    assert sent["headers"]["Prefer"] == "return=representation"
    assert (sent["headers"].get(header) if header else None) == value
    assert "If-Match" not in sent["headers"] or mode == "update"


def test_a_write_referring_to_a_missing_row_waits_for_its_parent_but_a_missing_target_is_not_found() -> (
    None
):
    missing = {"error": {"code": "0x80040217", "message": "account With Ids = a9 Do Not Exist"}}
    dataverse, _ = client(response(404, missing), response(404, missing), response(404, missing))
    with pytest.raises(DependencyNotSynced, match="does not exist yet") as error:
        dataverse.create("contacts", {"parentcustomerid_account@odata.bind": "/accounts(a9)"})
    assert error.value.kind == "transient"
    with pytest.raises(DependencyNotSynced):
        dataverse.upsert("contacts", "00000000-0000-0000-0000-000000000009", {"firstname": "A"})
    with pytest.raises(NotFound):  # update-only: the row itself is missing
        dataverse.upsert(
            "contacts", "00000000-0000-0000-0000-000000000009", {"firstname": "A"}, mode="update"
        )


def test_a_duplicate_is_a_conflict_not_a_refusal() -> None:
    duplicate = {
        "error": {
            "code": "0x80040237",
            "message": "A record with matching key values already exists.",
        }
    }
    dataverse, _ = client(
        response(412, duplicate),
        response(400, {"error": {"code": "0x80044331", "message": "too long"}}),
    )
    with pytest.raises(ConflictError):
        dataverse.upsert("bcs_paymentterms", {"bcs_code": "NET30"}, {}, mode="create")
    with pytest.raises(RejectedError, match="0x80044331"):
        dataverse.create("accounts", {"name": "x" * 200})


def test_batch_requests_follow_the_multipart_format() -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
    content_type, body = encode_batch(
        [
            ChangeSet([Operation("POST", "accounts", {"name": "A"}, content_id="1"),
                       Operation("PATCH", "$1", {"telephone1": "555"})]),
            Operation("GET", "accounts?$select=name"),
        ],
        ROOT,
    )  # fmt: skip
    text = body.decode()
    batch = content_type.split('boundary="')[1].rstrip('"')
    assert content_type.startswith("multipart/mixed") and batch.startswith("batch_")
    assert text.count(f"--{batch}\r\n") == 2 and text.endswith(f"--{batch}--\r\n")
    assert 'Content-Type: multipart/mixed; boundary="changeset_' in text
    assert f"POST {ROOT}/accounts HTTP/1.1" in text and "PATCH $1 HTTP/1.1" in text
    assert "Content-ID: 1" in text and "Content-ID: 2" in text
    assert f"GET {ROOT}/accounts?$select=name HTTP/1.1" in text
    with pytest.raises(ValueError, match="GET"):
        encode_batch([ChangeSet([Operation("GET", "accounts")])], ROOT)


DOCUMENTED_ANSWER = """--batchresponse_f27e
Content-Type: multipart/mixed; boundary=changesetresponse_64cc

--changesetresponse_64cc
Content-Type: application/http
Content-Transfer-Encoding: binary
Content-ID: 1

HTTP/1.1 204 No Content
OData-Version: 4.0
OData-EntityId: https://org/api/data/v9.2/tasks(e73ffc82-e292-ed11-aad1-000d3a9933c9)


--changesetresponse_64cc--
--batchresponse_f27e
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 200 OK
Content-Type: application/json; odata.metadata=minimal

{"value": [{"subject": "Task 1 in batch"}]}
--batchresponse_f27e--
"""


def test_batch_answers_are_read_change_sets_included() -> None:
    answers = decode_batch(
        "multipart/mixed; boundary=batchresponse_f27e",
        DOCUMENTED_ANSWER.replace("\n", "\r\n").encode(),
    )
    assert [(a.status, a.content_id) for a in answers] == [(204, "1"), (200, None)]
    assert answers[0].headers["odata-entityid"].endswith("(e73ffc82-e292-ed11-aad1-000d3a9933c9)")
    assert answers[1].body == {"value": [{"subject": "Task 1 in batch"}]}


def test_execute_reads_a_failed_batch_and_stops_there() -> None:
    failed = """--batchresponse_1
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 400 Bad Request
Content-Type: application/json; odata.metadata=minimal

{"error":{"code":"0x80044331","message":"The length of the 'subject' attribute exceeded 200."}}
--batchresponse_1--
"""
    dataverse, session = client(multipart(400, failed))
    results = dataverse.execute([Operation("POST", "tasks", {"subject": "x" * 300}),
                                 Operation("POST", "tasks", {"subject": "ok"})])  # fmt: skip
    assert len(results) == 1 and isinstance(results[0].error, RejectedError)
    assert "0x80044331" in str(results[0].error)
    assert len(session.sent) == 1 and "Prefer" not in session.sent[0]["headers"]


def answered(change_set: int, single: int = 0) -> str:
    """A batch response: one change set of `change_set` 204s, then `single` 204s."""
    no_content = "Content-Type: application/http\n\nHTTP/1.1 204 No Content\n\n\n"
    inner = "".join(
        f"--changesetresponse_1\nContent-ID: {n}\n{no_content}" for n in range(1, change_set + 1)
    )
    parts = [
        f"Content-Type: multipart/mixed; boundary=changesetresponse_1\n\n{inner}--changesetresponse_1--\n"
    ]
    parts += [no_content] * single
    return "".join(f"--batchresponse_1\n{part}" for part in parts) + "--batchresponse_1--\n"


def test_execute_splits_work_into_batches_of_1000_keeping_change_sets_whole() -> None:
    dataverse, session = client(multipart(200, answered(600)), multipart(200, answered(600, 1)))
    change_set = ChangeSet([Operation("POST", "accounts", {"name": str(n)}) for n in range(600)])
    results = dataverse.execute([change_set, change_set, Operation("DELETE", "accounts(00000000-0000-0000-0000-000000000001)")],
                                continue_on_error=True)  # fmt: skip
    assert len(results) == 1201 and {result.status for result in results} == {204}
    bodies = [sent["data"].decode() for sent in session.sent]
    assert [body.count("HTTP/1.1\r\n") for body in bodies] == [600, 601]
    assert all(sent["headers"]["Prefer"] == "odata.continue-on-error" for sent in session.sent)
    with pytest.raises(ValueError, match="1000"):
        dataverse.execute([ChangeSet([Operation("POST", "accounts", {})] * 1001)])


def test_change_tracking_streams_updates_and_deletions_then_keeps_the_delta_link() -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems
    first = {"value": [{"accountid": "a1", "name": "A"}], "@odata.nextLink": "https://org/page2"}
    second = {
        "value": [{"accountid": "a2", "name": "B"}],
        "@odata.deltaLink": "https://org/accounts?$deltatoken=9",
    }
    later = {"value": [{"@odata.context": "https://org/$metadata#accounts/$deletedEntity", "id": "a1", "reason": "deleted"},
                       {"accountid": "a3", "name": "C"}],
             "@odata.deltaLink": "https://org/accounts?$deltatoken=12"}  # fmt: skip
    dataverse, session = client(response(200, first), response(200, second), response(200, later))
    feed = dataverse.changes("accounts", select=["name"])
    assert [(c.kind, c.id) for c in feed] == [("updated", "a1"), ("updated", "a2")]
    assert feed.delta_link == "https://org/accounts?$deltatoken=9"
    assert "odata.track-changes" in session.sent[0]["headers"]["Prefer"]
    assert session.sent[0]["params"] == {"$select": "name"}
    again = dataverse.changes("accounts", select=["name"], delta_link=feed.delta_link)
    assert [(c.kind, c.id) for c in again] == [("deleted", "a1"), ("updated", "a3")]
    assert (
        session.sent[2]["url"] == "https://org/accounts?$deltatoken=9"
        and session.sent[2]["params"] is None
    )
    assert again.delta_link == "https://org/accounts?$deltatoken=12"


def test_formatted_values_are_asked_for_only_when_wanted() -> None:
    dataverse, session = client(response(200, {"accountid": "a1"}), response(200, {"value": []}))
    dataverse.get(
        "accounts", "00000000-0000-0000-0000-000000000001", annotations=True, select=["name"]
    )
    list(dataverse.rows("accounts", filter="statecode eq 0", annotations=True))
    assert session.sent[0]["headers"]["Prefer"] == 'odata.include-annotations="*"'
    assert (
        session.sent[1]["headers"]["Prefer"]
        == 'odata.maxpagesize=5000,odata.include-annotations="*"'
    )
    assert json.loads(json.dumps(session.sent[1]["params"])) == {"$filter": "statecode eq 0"}
