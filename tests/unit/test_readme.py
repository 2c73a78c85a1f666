"""The README's configuration table lists every setting the hub reads."""

from __future__ import annotations

from pathlib import Path

from shared.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_readme_documents_every_setting() -> None:
    missing = sorted(name for name in Settings.setting_names() if f"| `{name}` |" not in README)
    assert not missing, f"README configuration table lacks: {missing}"


def test_readme_shows_the_two_commands_first() -> None:
    first_code_block = README.split("```bash", 1)[1].split("```", 1)[0]
    assert "make demo" in first_code_block and "make test" in first_code_block
