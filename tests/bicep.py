"""Reading `infra/main.bicep` in tests: a small scanner that drops comments and masks string
contents, so brackets inside strings or comments cannot confuse it, and fails loudly when a
shape it expects is missing rather than finding nothing and passing.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BICEP = ROOT / "infra" / "main.bicep"


def mask_bicep(text: str) -> tuple[str, str]:
    """(code, masked): comments blanked in both; string contents also blanked in `masked`.

    Offsets are preserved, so a span found in `masked` can be read in `code`. Handles escaped
    quotes and `${...}` interpolations holding strings of their own.
    """
    code, masked = list(text), list(text)
    stack: list[str] = ["code"]  # "code", "string" or "interp"
    braces: list[int] = []
    i = 0

    def blank(start: int, end: int, *, in_code: bool) -> None:
        for k in range(start, end):
            if text[k] != "\n":
                masked[k] = " "
                if in_code:
                    code[k] = " "

    while i < len(text):
        state, ch, pair = stack[-1], text[i], text[i : i + 2]
        if state == "string":
            if pair == "${":
                stack.append("interp")
                braces.append(0)
                blank(i, i + 2, in_code=False)
                i += 2
                continue
            if ch == "\\":
                blank(i, i + 2, in_code=False)
                i += 2
                continue
            if ch == "'":
                stack.pop()
            else:
                blank(i, i + 1, in_code=False)
            i += 1
            continue
        if pair == "//":
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            blank(i, end, in_code=True)
            i = end
            continue
        if pair == "/*":
            end = text.find("*/", i)
            if end < 0:
                raise AssertionError(f"{BICEP.name}: unterminated /* comment")
            blank(i, end + 2, in_code=True)
            i = end + 2
            continue
        if state == "interp":
            blank(i, i + 1, in_code=False)
            if ch == "{":
                braces[-1] += 1
            elif ch == "}":
                if braces[-1] == 0:
                    stack.pop()
                    braces.pop()
                else:
                    braces[-1] -= 1
        if ch == "'":
            if text.startswith("'''", i):
                raise AssertionError(f"{BICEP.name}: multi-line strings are not expected here")
            stack.append("string")
        i += 1
    if stack != ["code"]:
        raise AssertionError(f"{BICEP.name}: unterminated string or interpolation")
    return "".join(code), "".join(masked)


def matching_close(masked: str, open_at: int) -> int:
    """Offset of the bracket closing the one at `open_at` (string contents already masked)."""
    pairs = {"[": "]", "{": "}", "(": ")"}
    stack = [pairs[masked[open_at]]]
    for k in range(open_at + 1, len(masked)):
        ch = masked[k]
        if ch in pairs:
            stack.append(pairs[ch])
        elif ch in ")]}":
            if ch != stack.pop():
                raise AssertionError(f"{BICEP.name}: unbalanced '{ch}' at offset {k}")
            if not stack:
                return k
    raise AssertionError(f"{BICEP.name}: bracket at offset {open_at} is never closed")


def top_level_objects(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the `{...}` objects directly inside the array between `start` and `end`."""
    spans, k = [], start
    while k < end:
        if masked[k] == "{":
            close = matching_close(masked, k)
            spans.append((k, close + 1))
            k = close + 1
        elif masked[k] in "[(":
            k = matching_close(masked, k) + 1
        else:
            k += 1
    return spans


def property_values(code: str, masked: str, key: str, start: int = 0, end: int = -1) -> list[str]:
    """Source text of every `key: value` between `start` and `end` (not in strings or comments).

    A value ends at a line break, comma or closing brace outside the brackets it opens.
    """
    end = len(masked) if end < 0 else end
    values = []
    for found in re.compile(rf"(?<![\w.]){re.escape(key)}\s*:").finditer(masked, start, end):
        stop, depth = found.end(), 0
        while stop < end and not (depth == 0 and masked[stop] in "\n,}"):
            depth += (masked[stop] in "[{(") - (masked[stop] in "]})")
            stop += 1
        values.append(code[found.end() : stop].strip())
    return values


@cache
def bicep_source() -> tuple[str, str]:
    return mask_bicep(BICEP.read_text(encoding="utf-8"))


@cache
def bicep_app_settings() -> tuple[tuple[str, str], ...]:
    """(name, value expression) of every entry of the Function App's `appSettings` array."""
    code, masked = bicep_source()
    arrays = [m.end() - 1 for m in re.finditer(r"\bappSettings\s*:\s*\[", masked)]
    assert len(arrays) == 1, (
        f"{BICEP.name} must hold exactly one 'appSettings: [ ... ]' array of "
        f"{{ name: '...', value: ... }} objects; found {len(arrays)}"
    )
    close = matching_close(masked, arrays[0])
    entries = []
    for start, end in top_level_objects(masked, arrays[0] + 1, close):
        names, values = (
            property_values(code, masked, key, start, end) for key in ("name", "value")
        )
        entry = code[start:end].strip()
        assert len(names) == 1 and re.fullmatch(r"'[^'$]+'", names[0]), (
            f"{BICEP.name}: an appSettings entry needs one literal name: {entry!r}"
        )
        assert len(values) == 1 and values[0], f"{BICEP.name}: one value needed: {entry!r}"
        entries.append((names[0].strip("'"), values[0]))
    assert entries, f"{BICEP.name}: the appSettings array is empty"
    return tuple(entries)


@cache
def bicep_parameters() -> dict[str, tuple[str, str | None]]:
    """name -> (type, default source text or None) of every `param`."""
    code, _ = bicep_source()
    pattern = re.compile(r"^param\s+(\w+)\s+(\w+)(?:\s*=\s*(.+?))?\s*$", re.MULTILINE)
    return {m[1]: (m[2], m[3]) for m in pattern.finditer(code)}


def bicep_property_values(key: str) -> list[str]:
    return property_values(*bicep_source(), key)


def bicep_settings_dict() -> dict[str, str]:
    return dict(bicep_app_settings())


def parameter_reference(expression: str) -> str | None:
    """The parameter an app-setting value is, directly or through string(...)."""
    match = re.fullmatch(r"(?:string\(\s*(\w+)\s*\)|(\w+))", expression)
    if not match:
        return None
    name = match[1] or match[2]
    return name if name in bicep_parameters() else None
