"""The README says what the code does: every setting, the two commands, the error table."""

from __future__ import annotations

import re
from pathlib import Path

from functions.http_responses import STATUS_FOR_ERROR
from shared.config import Settings
from shared.errors import ERROR_CLASSES, HubError

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_readme_documents_every_setting() -> None:
    missing = sorted(name for name in Settings.setting_names() if f"| `{name}` |" not in README)
    assert not missing, f"README configuration table lacks: {missing}"


def test_readme_shows_the_two_commands_first() -> None:
    first_code_block = README.split("```bash", 1)[1].split("```", 1)[0]
    assert "make demo" in first_code_block and "make test" in first_code_block


def error_table() -> dict[str, tuple[str, int]]:
    """class → (kind, HTTP status) from the README's "Errors: three kinds" table."""
    section = README.split("## Errors: three kinds", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    table = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        status = re.match(r"\d{3}", cells[-1])
        assert status, f"README error row without an HTTP status: {row}"
        table[cells[0].strip("`")] = (cells[1], int(status[0]))
    return table


def test_readme_error_table_matches_the_error_classes_and_http_statuses() -> None:
    table = error_table()
    assert set(table) == {cls.__name__ for cls in ERROR_CLASSES}
    for cls in ERROR_CLASSES:
        error = cls.__new__(cls)
        assert table[cls.__name__] == (cls.kind.value, status_for(error)), cls.__name__


def status_for(error: HubError) -> int:
    return next(code for cls, code in STATUS_FOR_ERROR if isinstance(error, cls))
