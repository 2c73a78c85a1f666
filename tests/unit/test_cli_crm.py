"""`hub crm …` runs the same handlers as the Functions (on the fakes here)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from hub.cli_crm import crm
from shared import bootstrap
from tests.unit.crm_fixtures import World, item, payment_term, unit, world


@pytest.fixture
def crm_world() -> Iterator[World]:
    w = world()
    payment_term(w.bc, 1, "NET30", "Net 30 days")
    unit(w.bc, 2, "PCS")
    item(w.bc, 3, "SUPPORT")
    with bootstrap.override(w.deps):
        yield w


def run(*args: str) -> str:
    result = CliRunner().invoke(crm, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_sync_then_look_at_bc_data_and_the_log(crm_world: World) -> None:
    first = run("sync", "--all")
    assert "payment-terms" in first and "written: 3" in first
    assert json.loads(run("sync", "--all", "--json"))["written"] == 0
    assert "NET30" in run("bc-data", "payment-terms") and "1 Payment Term records" in run(
        "bc-data", "payment-terms"
    )
    log = json.loads(run("log", "--entity", "items"))
    assert [(r["key"], r["operation"], r["updated"]) for r in log["records"]] == [
        ("SUPPORT", "Create", True)
    ]


def test_bad_input_is_a_clear_error(crm_world: World) -> None:
    nothing = CliRunner().invoke(crm, ["sync"])
    assert nothing.exit_code == 2 and "--all" in nothing.output
    unknown = CliRunner().invoke(crm, ["sync", "spaceships"])
    assert unknown.exit_code == 1 and "unknown entity 'spaceships'" in unknown.output


def test_setup_defaults_prints_the_guids_it_found(crm_world: World) -> None:
    output = run("setup", "defaults")
    assert "CRM_DEFAULT_UNIT_GROUP_ID = " in output and "CRM_DEFAULT_PRICE_LIST_ID = " in output


def test_map_dry_run_writes_nothing(crm_world: World) -> None:
    crm_world.bc.add("currencies", {"id": "c1000000-0000-4000-8000-000000000001", "code": "EUR"})
    crm_world.crm.add("transactioncurrencies", {"isocurrencycode": "EUR", "statecode": 0})
    output = run("map", "currencies", "--dry-run")
    assert "EUR" in output and "dry run" in output
    assert list(crm_world.store.query("couplings")) == []
