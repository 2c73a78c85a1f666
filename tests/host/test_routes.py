"""Route templates: parameters, constraints, optional and catch-all segments, specificity."""

from __future__ import annotations

import azure.functions as func
import pytest

from hub.functions_index import HttpFunction, TriggerKind
from hub.host_errors import FunctionIndexError
from hub.host_routes import Router


def http(name: str, route: str, *methods: str) -> HttpFunction:
    return HttpFunction(
        name=name,
        kind=TriggerKind.HTTP,
        trigger_arg="req",
        user_function=lambda req: None,
        wants_context=False,
        route=route,
        methods=methods,
        auth_level=func.AuthLevel.ANONYMOUS,
    )


ROUTER = Router(
    [
        http("by_id", "items/{id}", "GET"),
        http("export", "items/export", "GET"),
        http("typed", "orders/{id:int}/{part:alpha?}", "GET"),
        http("guid", "docs/{id:guid}"),
        http("file", "files/{name}.{ext}"),
        http("rest", "static/{*path}"),
        http("write", "items/{id}", "POST", "PUT"),
    ]
)


@pytest.mark.parametrize(
    ("path", "method", "name", "params"),
    [
        ("/api/items/42", "GET", "by_id", {"id": "42"}),
        ("/api/ITEMS/42/", "get", "by_id", {"id": "42"}),
        ("/api/items/export", "GET", "export", {}),
        ("/api/items/42", "PUT", "write", {"id": "42"}),
        ("/api/orders/-3", "GET", "typed", {"id": "-3"}),
        ("/api/orders/3/lines", "GET", "typed", {"id": "3", "part": "lines"}),
        (
            "/api/docs/0f8fad5b-d9cb-469f-a165-70867728950e",
            "PATCH",
            "guid",
            {"id": "0f8fad5b-d9cb-469f-a165-70867728950e"},
        ),
        ("/api/files/report.v2.pdf", "GET", "file", {"name": "report.v2", "ext": "pdf"}),
        ("/api/static", "GET", "rest", {}),
        ("/api/static/css/site.css", "GET", "rest", {"path": "css/site.css"}),
    ],
)
def test_paths_reach_their_function(
    path: str, method: str, name: str, params: dict[str, str]
) -> None:
    match = ROUTER.match(path, method)
    assert match.function is not None and match.function.name == name
    assert match.route_params == params


@pytest.mark.parametrize(
    "path", ["/api/orders/three", "/api/orders/3/4", "/api/docs/not-a-guid", "/items/42", "/api"]
)
def test_paths_that_match_nothing(path: str) -> None:
    assert ROUTER.match(path, "GET") == ROUTER.match("/nothing", "GET")
    assert ROUTER.match(path, "GET").allowed_methods == ()


def test_known_path_with_another_method_lists_the_allowed_ones() -> None:
    match = ROUTER.match("/api/items/42", "DELETE")
    assert match.function is None
    assert match.allowed_methods == ("GET", "POST", "PUT")


def test_route_prefix_is_configurable() -> None:
    router = Router([http("by_id", "items/{id}")], prefix="")
    assert router.match("/items/1", "GET").route_params == {"id": "1"}
    assert Router([http("by_id", "items/{id}")], prefix="v1").match("/v1/items/1", "GET").function


def test_unsupported_constraints_name_the_function() -> None:
    with pytest.raises(FunctionIndexError, match=r"'bad'.*constraint 'min\(1\)'"):
        Router([http("bad", "items/{id:min(1)}")])
