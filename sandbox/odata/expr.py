"""Filter expression trees and OData comparison semantics (used by `sandbox.odata.filter`).

Comparison rules as the services apply them: a date-time literal compares with the instant
a stored ISO string denotes (not its text; a stored value without offset counts as UTC); a
date literal compares with the date part; GUID literals compare case-insensitively; `null`
only equals null and never orders; values of different kinds never match (so `ne` holds).
Text case is the caller's choice through `fold` (BC: case-sensitive, Dataverse: not).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


class Guid(str):
    """A GUID literal: compares with stored text case-insensitively."""


# --- expression tree ------------------------------------------------------------------
class Expr(ABC):
    """A node of a parsed filter."""

    @abstractmethod
    def evaluate(self, row: Mapping[str, Any], fold: Callable[[str], str]) -> Any:
        """The node's value for one row (`fold` normalises text for comparisons)."""

    def children(self) -> tuple[Expr, ...]:
        return ()

    def walk(self) -> Iterator[Expr]:
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True)
class Literal(Expr):
    value: Any

    def evaluate(self, row: Mapping[str, Any], fold: Callable[[str], str]) -> Any:
        return self.value


@dataclass(frozen=True)
class Property(Expr):
    path: str

    def evaluate(self, row: Mapping[str, Any], fold: Callable[[str], str]) -> Any:
        value: Any = row
        for part in self.path.split("/"):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value


@dataclass(frozen=True)
class Call(Expr):
    function: str
    args: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args

    def evaluate(self, row: Mapping[str, Any], fold: Callable[[str], str]) -> Any:
        values = [arg.evaluate(row, fold) for arg in self.args]
        if not all(isinstance(value, str) for value in values):
            return None
        if self.function == "tolower":
            return values[0].lower()
        if self.function == "toupper":
            return values[0].upper()
        text, part = fold(values[0]), fold(values[1])
        if self.function == "startswith":
            return text.startswith(part)
        if self.function == "endswith":
            return text.endswith(part)
        return part in text


@dataclass(frozen=True)
class Compare(Expr):
    operator: str
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    def evaluate(self, row: Mapping[str, Any], fold: Callable[[str], str]) -> Any:
        return compare(
            self.operator, self.left.evaluate(row, fold), self.right.evaluate(row, fold), fold
        )


@dataclass(frozen=True)
class InList(Expr):
    left: Expr
    values: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return (self.left, *self.values)

    def evaluate(self, row: Mapping[str, Any], fold: Callable[[str], str]) -> Any:
        left = self.left.evaluate(row, fold)
        return any(compare("eq", left, value.evaluate(row, fold), fold) for value in self.values)


@dataclass(frozen=True)
class Logical(Expr):
    operator: str  # "and" | "or"
    parts: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.parts

    def evaluate(self, row: Mapping[str, Any], fold: Callable[[str], str]) -> Any:
        results = (part.evaluate(row, fold) is True for part in self.parts)
        return all(results) if self.operator == "and" else any(results)


@dataclass(frozen=True)
class Not(Expr):
    operand: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)

    def evaluate(self, row: Mapping[str, Any], fold: Callable[[str], str]) -> Any:
        return self.operand.evaluate(row, fold) is not True


# --- comparison semantics ----------------------------------------------------------------
def _coerce(left: Any, right: Any, fold: Callable[[str], str]) -> tuple[Any, Any] | None:
    """Bring two values to one comparable kind (order kept), or None when they cannot."""
    for literal, other, literal_is_left in ((left, right, True), (right, left, False)):
        if isinstance(literal, datetime | date) and isinstance(other, str):
            parsed = _parse_temporal(other, type(literal))
            if parsed is None:
                return None
            return (literal, parsed) if literal_is_left else (parsed, literal)
        if isinstance(literal, Guid) and isinstance(other, str):
            return (left.lower(), right.lower())
    if isinstance(left, bool) or isinstance(right, bool):
        return (left, right) if type(left) is type(right) else None
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left, right
    if isinstance(left, str) and isinstance(right, str):
        return fold(left), fold(right)
    return None


def _parse_temporal(text: str, kind: type) -> Any:
    try:
        if kind is datetime:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def compare(operator: str, left: Any, right: Any, fold: Callable[[str], str]) -> bool:
    """`left <operator> right` with OData's rules for null and mixed kinds."""
    if left is None or right is None:
        if operator == "eq":
            return left is None and right is None
        if operator == "ne":
            return (left is None) != (right is None)
        return False
    pair = _coerce(left, right, fold)
    if pair is None:
        return operator == "ne"
    a, b = pair
    if operator == "eq":
        return bool(a == b)
    if operator == "ne":
        return bool(a != b)
    try:
        if operator == "gt":
            return bool(a > b)
        if operator == "ge":
            return bool(a >= b)
        if operator == "lt":
            return bool(a < b)
        return bool(a <= b)
    except TypeError:
        return False
