"""What one call to the Web API carries: its request, caller, preferences and `$batch` ids."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.wrappers import Request

from sandbox.dataverse.annotations import Requested

API_PATH = "/api/data/v9.2"


def parse_prefer(request: Request) -> dict[str, str | None]:
    """`Prefer: odata.maxpagesize=50, return=representation` → {name: value}.

    Values may be quoted and contain commas (`odata.include-annotations="a,b"`).
    """
    preferences: dict[str, str | None] = {}
    for header in request.headers.getlist("Prefer"):
        for item in _split_preferences(header):
            name, _, value = item.strip().partition("=")
            if name:
                preferences[name.strip().lower()] = value.strip().strip('"') or None
    return preferences


def _split_preferences(header: str) -> list[str]:
    items, current, quoted = [], "", False
    for char in header:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            items.append(current)
            current = ""
        else:
            current += char
    return [*items, current]


@dataclass
class Call:
    """One request (or one part of a batch) as the service handles it."""

    request: Request
    root: str  # absolute URL of `.../api/data/v9.2`
    caller: str  # systemuserid of the caller
    content_ids: dict[str, str] = field(default_factory=dict)  # "$1" → entity URL, in a batch

    def __post_init__(self) -> None:
        self.prefer = parse_prefer(self.request)
        self.annotations = Requested.from_prefer(self.prefer.get("odata.include-annotations"))

    def entity_url(self, entity_set: str, key: str) -> str:
        return f"{self.root}/{entity_set}({key})"

    @property
    def representation(self) -> bool:
        return self.prefer.get("return") == "representation"
