"""`hub invoices …` runs the same handlers as the Functions (on the in-memory fakes here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli_invoices import invoices
from shared import bootstrap
from shared.flows.deps import Deps
from shared.mappings.invoice_mapping import DEFAULT_MAPPING
from tests.unit.invoice_fixtures import invoice, make_deps


@pytest.fixture
def deps() -> Iterator[Deps]:
    wired = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-2", customer="C99999"))
    with bootstrap.override(wired):
        yield wired


def run(*args: str) -> str:
    result = CliRunner().invoke(invoices, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_import_process_list_and_repair(deps: Deps) -> None:
    assert json.loads(run("import"))["imported"] == 2
    sales = run("sales")
    assert "INV-1" in sales and "S-INV1001" in sales and "C99999" in sales
    assert "P-INV1001" in run("purchase")
    assert "INV-2" in run("list", "--view", "sales-error")
    refused = CliRunner().invoke(invoices, ["reprocess-purchase", "i1"])
    assert refused.exit_code == 1 and "force-delete it" in refused.output
    assert "i1" in run("force-delete", "i1")
    assert "purchase status New" in run("reprocess-purchase", "i1")


def test_mapping_show_and_set(deps: Deps, tmp_path: Path) -> None:
    assert "invoiceNumber" in run("mapping", "show")
    rows = [{"ecpproField": e.ecppro_field, "bcField": e.bc_field} for e in DEFAULT_MAPPING]
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps({"mapping": rows}))
    bad.write_text(json.dumps({"mapping": [*rows, {"ecpproField": "x", "bcField": "Shoe Size"}]}))
    assert "18 fields" in run("mapping", "set", str(good))
    refused = CliRunner().invoke(invoices, ["mapping", "set", str(bad)])
    assert refused.exit_code == 1 and "Shoe Size" in refused.output
