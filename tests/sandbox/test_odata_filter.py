"""The $filter subset: parsing, OData comparison rules and what services refuse."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.odata.filter import FilterSyntaxError, parse_filter

ROW: dict[str, Any] = {
    "displayName": "O'Neil Plumbing Ltd.",
    "city": "München",
    "balance": 1250.5,
    "count": 5,
    "id": "ABCDEF12-3456-7890-ABCD-EF1234567890",
    "lastModifiedDateTime": "2025-01-15T10:00:00.000Z",
    "postingDate": "2025-01-31",
    "blocked": False,
    "website": None,
    "address": {"city": "Cork"},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("displayName eq 'O''Neil Plumbing Ltd.'", True),
        ("displayName eq 'O'Neil'", None),  # a lone apostrophe ends the literal: syntax error
        ("startswith(displayName,'O''Neil')", True),
        ("contains(displayName, 'Plumbing')", True),
        ("endswith(displayName,'Ltd.')", True),
        ("city eq 'München'", True),
        ("balance gt 1000 and balance le 1250.5", True),
        ("count eq 5.0", True),
        ("count ne 5", False),
        ("count in (1, 2, 5)", True),
        ("not (count eq 5)", False),
        ("(count eq 1 or count eq 5) and blocked eq false", True),
        ("id eq abcdef12-3456-7890-abcd-ef1234567890", True),
        ("lastModifiedDateTime gt 2025-01-15T09:59:59Z", True),
        ("lastModifiedDateTime gt 2025-01-15T11:00:00+01:00", False),  # same instant
        ("lastModifiedDateTime ge 2025-01-15T11:00:00+01:00", True),
        ("postingDate lt 2025-02-01", True),
        ("website eq null", True),
        ("website ne null", False),
        ("website gt 'a'", False),  # null never orders
        ("displayName eq 5", False),  # different kinds never match
        ("displayName ne 5", True),
        ("address/city eq 'Cork'", True),
        ("tolower(city) eq 'münchen'", True),
        ("toupper(city) eq 'MÜNCHEN'", True),
    ],
)
def test_filter_evaluation(text: str, expected: bool | None) -> None:
    if expected is None:
        with pytest.raises(FilterSyntaxError):
            parse_filter(text)
    else:
        assert parse_filter(text).matches(ROW) is expected


def test_text_comparison_case_is_the_callers_choice() -> None:
    parsed = parse_filter("displayName eq 'o''neil plumbing ltd.'")
    assert parsed.matches(ROW) is False
    assert parsed.matches(ROW, case_insensitive=True) is True


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("displayName eq", 14),
        ("displayName Eq 'x'", 12),
        ("(count eq 1", 11),
        ("count eq 1 extra", 11),
        ("count eq 1 # 2", 11),
        ("unknownfn(displayName)", 0),
        ("startswith(displayName)", 0),
        ("count eq 'unterminated", 9),
    ],
)
def test_syntax_errors_name_the_position(text: str, position: int) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(text)
    assert caught.value.position == position
    assert str(position) in str(caught.value)


def test_or_across_different_fields_is_detected() -> None:
    assert parse_filter("count eq 1 or count eq 2").or_across_fields() is None
    assert parse_filter("(count eq 1 or count eq 2) and city eq 'x'").or_across_fields() is None
    assert parse_filter("count eq 1 or city eq 'x'").or_across_fields() == ["city", "count"]
    assert parse_filter("count eq 1 or (count eq 2 and city eq 'x')").or_across_fields() == [
        "city",
        "count",
    ]


def test_nested_function_calls_are_detected() -> None:
    assert parse_filter("contains(tolower(city),'mü')").has_nested_call() is True
    assert parse_filter("contains(city,'Mü') and tolower(city) eq 'x'").has_nested_call() is False


def test_properties_lists_what_the_filter_reads() -> None:
    parsed = parse_filter("address/city eq 'Cork' and startswith(displayName,'O')")
    assert parsed.properties() == {"address", "displayName"}


def test_required_equalities_are_the_top_level_text_ones() -> None:
    both = parse_filter("vendorNumber eq 'V00010' and status eq 'Draft' and count gt 1")
    assert both.required_equalities() == [("vendorNumber", "V00010"), ("status", "Draft")]
    assert parse_filter("city eq 'Cork' or city eq 'Lyon'").required_equalities() == []
    assert parse_filter("not (city eq 'Cork')").required_equalities() == []
    assert parse_filter("address/city eq 'Cork'").required_equalities() == []
