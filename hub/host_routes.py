"""HTTP route templates of the Functions host, matched against request paths.

Templates follow ASP.NET routing as the host uses it: `items/{id}`, optional `{name?}`,
catch-all `{*path}` and constraints such as `{id:int}` or `{id:guid}` (the table below).
Literals match case-insensitively. When several routes match, the most specific wins
(literal segments before constrained parameters before plain ones), so `items/export` is
reached before `items/{id}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hub.functions_index import HttpFunction
from hub.host_errors import FunctionIndexError

_PARAMETER = re.compile(r"\{([^{}]+)\}")
_GUID = r"[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}"
_NUMBER = r"-?\d+(?:\.\d+)?"
CONSTRAINTS: dict[str, str] = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "alpha": r"[A-Za-z]+",
    "bool": r"(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])",
    "guid": _GUID,
    "double": _NUMBER,
    "float": _NUMBER,
    "decimal": _NUMBER,
    "datetime": r"[^/]+",
}
# Sort weights per segment: lower is more specific.
_LITERAL, _CONSTRAINED, _PLAIN, _OPTIONAL, _CATCH_ALL = range(5)


@dataclass(frozen=True)
class CompiledRoute:
    """One function's route as a regular expression over the path after the prefix."""

    function: HttpFunction
    pattern: re.Pattern[str]
    specificity: tuple[int, ...]


@dataclass(frozen=True)
class RouteMatch:
    """The function a path and method reach, or the methods the path would allow (405)."""

    function: HttpFunction | None = None
    route_params: dict[str, str] = field(default_factory=dict)
    allowed_methods: tuple[str, ...] = ()


def _parameter_pattern(spec: str, function: str) -> tuple[str, str, int]:
    """Name, regex and weight of one `{...}` parameter."""
    optional = spec.endswith("?")
    name, *constraints = spec.rstrip("?").split(":")
    catch_all = name.startswith("*")
    name = name.lstrip("*")
    if not name.isidentifier():
        raise FunctionIndexError(f"function '{function}': route parameter '{{{spec}}}' is invalid")
    unknown = [constraint for constraint in constraints if constraint not in CONSTRAINTS]
    if unknown:
        raise FunctionIndexError(
            f"function '{function}': route constraint '{unknown[0]}' is not supported locally "
            f"(supported: {', '.join(CONSTRAINTS)})"
        )
    if catch_all:
        return name, r".*", _CATCH_ALL
    # Further constraints must hold too: checked as look-aheads over the whole segment.
    extra = "".join(f"(?=(?:{CONSTRAINTS[c]})(?![^/]))" for c in constraints[1:])
    regex = extra + (CONSTRAINTS[constraints[0]] if constraints else r"[^/]+")
    weight = _OPTIONAL if optional else (_CONSTRAINED if constraints else _PLAIN)
    return name, regex, weight


def _segment(segment: str, function: str) -> tuple[str, int]:
    """Regex (including its leading slash) and weight of one path segment."""
    whole = _PARAMETER.fullmatch(segment)
    if whole:
        name, regex, weight = _parameter_pattern(whole.group(1), function)
        if weight in (_OPTIONAL, _CATCH_ALL):
            return f"(?:/(?P<{name}>{regex}))?", weight
        return f"/(?P<{name}>{regex})", weight
    parts, position, weight = ["/"], 0, _LITERAL
    for match in _PARAMETER.finditer(segment):
        parts.append(re.escape(segment[position : match.start()]))
        name, regex, weight = _parameter_pattern(match.group(1), function)
        parts.append(f"(?P<{name}>{regex})")
        position = match.end()
    parts.append(re.escape(segment[position:]))
    return "".join(parts), weight


def compile_route(function: HttpFunction) -> CompiledRoute:
    """Compile a function's route template. Raises FunctionIndexError for unsupported syntax."""
    pieces = [_segment(segment, function.name) for segment in function.route.split("/") if segment]
    regex = "".join(piece for piece, _ in pieces)
    try:
        pattern = re.compile(f"^{regex}/?$", re.IGNORECASE)
    except re.error as exc:
        raise FunctionIndexError(
            f"function '{function.name}': route '{function.route}' cannot be used: {exc}"
        ) from exc
    return CompiledRoute(function, pattern, tuple(weight for _, weight in pieces))


class Router:
    """Finds the function for a request path under the route prefix (e.g. `/api`)."""

    def __init__(self, functions: list[HttpFunction], prefix: str = "api") -> None:
        routes = [compile_route(function) for function in functions]
        self._routes = sorted(routes, key=lambda route: route.specificity)
        self._prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""

    def match(self, path: str, method: str) -> RouteMatch:
        """The function for `method` on `path`; else the methods allowed there (empty: 404)."""
        if self._prefix and not (path == self._prefix or path.startswith(self._prefix + "/")):
            return RouteMatch()
        relative = path[len(self._prefix) :]
        allowed: list[str] = []
        for route in self._routes:
            found = route.pattern.match(relative)
            if found is None:
                continue
            methods = route.function.methods
            if not methods or method.upper() in methods:
                params = {k: v for k, v in found.groupdict().items() if v is not None}
                return RouteMatch(route.function, params)
            allowed.extend(m for m in methods if m not in allowed)
        return RouteMatch(allowed_methods=tuple(allowed))
