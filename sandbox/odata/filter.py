"""The `$filter` language subset that BC and Dataverse clients use, parsed and evaluated.

Grammar (OData v4 URL conventions, the part the hub needs):

    expr     := and_expr ('or' and_expr)*
    and_expr := unary ('and' unary)*
    unary    := 'not' unary | '(' expr ')' | operand [op operand | 'in' '(' list ')']
    operand  := literal | property path | function '(' args ')'
    op       := eq | ne | gt | ge | lt | le

Functions: `startswith`, `endswith`, `contains` (boolean), `tolower`, `toupper` (string).
Literals: `'text'` with an apostrophe doubled inside (`'O''Neil'`), integers and decimals,
`true`, `false`, `null`, bare GUIDs, dates (`2024-01-31`) and date-times with an offset
(`2024-01-31T10:00:00Z`).

Comparison semantics live in `sandbox.odata.expr`. The caller decides case sensitivity of
text (BC: sensitive, Dataverse: insensitive) and uses `ParsedFilter.or_across_fields` and
`has_nested_call` to refuse what its service refuses. Keywords are lower case, as in
OData (`Name EQ 'x'` is a syntax error there too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sandbox.odata.expr import (
    Call,
    Compare,
    Expr,
    Guid,
    InList,
    Literal,
    Logical,
    Not,
    Property,
)

COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
BOOLEAN_FUNCTIONS = ("startswith", "endswith", "contains")
STRING_FUNCTIONS = ("tolower", "toupper")

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
    | (?P<guid>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})(?![\w-])
    | (?P<date>\d{4}-\d{2}-\d{2})(?![\w:])
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![\w.])
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)


class FilterSyntaxError(ValueError):
    """The filter text is not valid; `position` is the offset where reading failed."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """Split filter text into tokens. Raises FilterSyntaxError on a stray character."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            start = len(text) - len(text[position:].lstrip())
            raise FilterSyntaxError(f"Syntax error at position {start} in '{text}'.", start)
        kind = match.lastgroup
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over the token list (one instance per filter)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    def fail(self, what: str) -> FilterSyntaxError:
        token = self.peek()
        position = token.position if token else len(self.text)
        return FilterSyntaxError(
            f"{what} expected at position {position} in '{self.text}'.", position
        )

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, text: str | None = None) -> Token | None:
        token = self.peek()
        if token is None or (text is not None and token.text != text):
            return None
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        if self.take(text) is None:
            raise self.fail(f"'{text}'")

    def parse(self) -> Expr:
        expr = self.expression()
        if self.peek() is not None:
            raise self.fail("End of expression")
        return expr

    def expression(self) -> Expr:
        return self._chain("or", self.conjunction)

    def conjunction(self) -> Expr:
        return self._chain("and", self.unary)

    def _chain(self, keyword: str, parse_part: Any) -> Expr:
        parts = [parse_part()]
        while self.take(keyword):
            parts.append(parse_part())
        return parts[0] if len(parts) == 1 else Logical(keyword, tuple(parts))

    def unary(self) -> Expr:
        if self.take("not"):
            return Not(self.unary())
        if self.take("("):
            inner = self.expression()
            self.expect(")")
            return inner
        left = self.operand()
        token = self.peek()
        if token is not None and token.text in COMPARISONS:
            self.index += 1
            return Compare(token.text, left, self.operand())
        if self.take("in"):
            return InList(left, self._list())
        if isinstance(left, Call) and left.function in BOOLEAN_FUNCTIONS:
            return left
        raise self.fail("Comparison operator")

    def _list(self) -> tuple[Expr, ...]:
        self.expect("(")
        values = [self.operand()]
        while self.take(","):
            values.append(self.operand())
        self.expect(")")
        return tuple(values)

    def operand(self) -> Expr:
        token = self.peek()
        if token is None:
            raise self.fail("Expression")
        self.index += 1
        if token.kind == "name":
            return self._name(token)
        literal = _literal(token)
        if literal is None:
            self.index -= 1
            raise self.fail("Expression")
        return Literal(literal)

    def _name(self, token: Token) -> Expr:
        keyword = {"true": True, "false": False, "null": None}
        if token.text in keyword:
            return Literal(keyword[token.text])
        if self.peek() is not None and self.peek().text == "(":  # type: ignore[union-attr]
            return self._call(token)
        return Property(token.text)

    def _call(self, token: Token) -> Expr:
        arity = {name: 2 for name in BOOLEAN_FUNCTIONS} | {name: 1 for name in STRING_FUNCTIONS}
        if token.text not in arity:
            raise FilterSyntaxError(
                f"Unknown function '{token.text}' at position {token.position} in '{self.text}'.",
                token.position,
            )
        self.expect("(")
        args = [self.operand()]
        while self.take(","):
            args.append(self.operand())
        self.expect(")")
        if len(args) != arity[token.text]:
            raise FilterSyntaxError(
                f"Function '{token.text}' takes {arity[token.text]} argument(s) "
                f"at position {token.position} in '{self.text}'.",
                token.position,
            )
        return Call(token.text, tuple(args))


def _literal(token: Token) -> Any:
    if token.kind == "string":
        return token.text[1:-1].replace("''", "'")
    if token.kind == "number":
        is_integer = re.fullmatch(r"-?\d+", token.text)
        return int(token.text) if is_integer else float(token.text)
    if token.kind == "guid":
        return Guid(token.text)
    if token.kind == "datetime":
        return datetime.fromisoformat(token.text.replace("Z", "+00:00"))
    if token.kind == "date":
        return date.fromisoformat(token.text)
    return None


@dataclass(frozen=True)
class ParsedFilter:
    """A parsed `$filter`, ready to test rows and to be inspected for service limits."""

    text: str
    root: Expr

    def matches(self, row: Mapping[str, Any], *, case_insensitive: bool = False) -> bool:
        fold = str.casefold if case_insensitive else _same
        return self.root.evaluate(row, fold) is True

    def required_equalities(self) -> list[tuple[str, str]]:
        """`field eq 'text'` conditions every match meets (top-level `and`): index candidates."""
        root = self.root
        parts = root.parts if isinstance(root, Logical) and root.operator == "and" else (root,)
        return [
            (part.left.path, part.right.value)
            for part in parts
            if isinstance(part, Compare) and part.operator == "eq"
            and isinstance(part.left, Property) and "/" not in part.left.path
            and isinstance(part.right, Literal) and isinstance(part.right.value, str)
        ]  # fmt: skip

    def candidates(self) -> tuple[str, list[str]] | None:
        """A field and the texts it must equal one of, for an index to pick the candidate
        rows from: a top-level `and` part `f eq 'a'` or `(f eq 'a' or f eq 'b' …)` (a
        natural-key lookup of many records at once). None when no part has that shape."""
        root = self.root
        parts = root.parts if isinstance(root, Logical) and root.operator == "and" else (root,)
        for part in parts:
            branches = (
                part.parts if isinstance(part, Logical) and part.operator == "or" else (part,)
            )
            pairs = [_text_equality(branch) for branch in branches]
            fields = {pair[0] for pair in pairs if pair is not None}
            if None not in pairs and len(fields) == 1:
                return fields.pop(), [pair[1] for pair in pairs if pair is not None]
        return None

    def properties(self) -> set[str]:
        """Top-level property names the filter reads."""
        return {n.path.split("/")[0] for n in self.root.walk() if isinstance(n, Property)}

    def or_across_fields(self) -> list[str] | None:
        """Field names of the first `or` whose branches read different fields, if any."""
        for node in self.root.walk():
            if isinstance(node, Logical) and node.operator == "or":
                fields = {n.path for n in node.walk() if isinstance(n, Property)}
                if len(fields) > 1:
                    return sorted(fields)
        return None

    def has_nested_call(self) -> bool:
        """Whether a function takes another function's result (BC needs schema 2.1)."""
        return any(
            isinstance(node, Call) and any(isinstance(arg, Call) for arg in node.args)
            for node in self.root.walk()
        )


def _same(text: str) -> str:
    return text


def parse_filter(text: str) -> ParsedFilter:
    """Parse `$filter` text. Raises FilterSyntaxError with the failing position."""
    return ParsedFilter(text, _Parser(text).parse())


def _text_equality(node: object) -> tuple[str, str] | None:
    if (
        isinstance(node, Compare) and node.operator == "eq"
        and isinstance(node.left, Property) and "/" not in node.left.path
        and isinstance(node.right, Literal) and isinstance(node.right.value, str)
    ):  # fmt: skip
        return node.left.path, node.right.value
    return None
