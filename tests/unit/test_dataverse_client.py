"""The Dataverse client's own rules, on a scripted transport (the simulator tests the rest)."""

from __future__ import annotations

from shared.adapters.dataverse.client import DataverseClient, scope_for
from shared.adapters.http import HttpClient
from tests.fakes.http import ScriptedSession, response


def test_every_request_says_its_odata_version_and_pages_stay_within_5000() -> None:
    # learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
    session = ScriptedSession(
        response(200, {"value": [{"accountid": "a1"}], "@odata.nextLink": "https://org/next"}),
        response(200, {"value": [{"accountid": "a2"}]}),
        response(204),
    )
    http = HttpClient("https://org.crm.dynamics.com/api/data/v9.2", api_name="Dataverse",
                      session=session)  # type: ignore[arg-type]  # fmt: skip
    dataverse = DataverseClient(http, page_size=20_000)
    assert [row["accountid"] for row in dataverse.list("accounts")] == ["a1", "a2"]
    dataverse.delete("accounts", "a1")
    for sent in session.sent:
        assert sent["headers"]["OData-Version"] == "4.0"
        assert sent["headers"]["OData-MaxVersion"] == "4.0"
    assert session.sent[0]["headers"]["Prefer"] == "odata.maxpagesize=5000"
    assert session.sent[1]["url"] == "https://org/next"
    assert session.sent[2]["headers"]["If-Match"] == "*"  # never an accidental upsert


def test_the_scope_is_the_environment_itself() -> None:
    assert scope_for("https://org.crm.dynamics.com/") == "https://org.crm.dynamics.com/.default"
