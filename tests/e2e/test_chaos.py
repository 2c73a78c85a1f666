"""The chaos run of `bench/chaos.py`, as a test: 120 invoices through both legs while BC
throttles (10 % 429, 5 % 503) and loses the answers of 3 % of writes it carried out, every
message is delivered twice (half at the same moment), and the host is killed once.
"""

from __future__ import annotations

import pytest

from bench.chaos import run

pytestmark = [pytest.mark.e2e, pytest.mark.azurite, pytest.mark.sandbox]


def test_no_duplicate_no_loss_no_wrong_error_under_chaos(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run(invoices=120, seed=7, timeout=240, say=lambda line: None)
    assert result.faults["injected"] > 50 and result.faults["cut"] > 3  # the chaos happened
    assert result.faults["killed"] == 1
    assert (result.invoices, result.duplicates, result.lost, result.wrong_errors) == (120, 0, 0, 0)
