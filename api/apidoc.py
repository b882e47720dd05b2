"""``@doc``: what a JSON route takes and answers, declared once next to the view.

The decorator only records an :class:`Operation` on the view function; ``api.views.openapi`` walks
``app.url_map`` and turns each into the OpenAPI operation, so the document follows the marshmallow schemas
the views actually load and dump. Path parameters come from the URL rule itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from marshmallow import Schema

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "_openapi_operation"
SchemaRef = type[Schema] | dict[str, Any]


@dataclass(frozen=True)
class Operation:
    tag: str
    request: SchemaRef | None = None  # application/json body
    form: SchemaRef | None = None  # multipart/form-data body
    query: type[Schema] | None = None
    params: tuple[dict[str, Any], ...] = ()  # header or query parameters outside a query schema
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # path parameters with a fixed set of values
    response: SchemaRef | None = None
    status: int = 200
    description: str | None = None
    produces: tuple[str, ...] = ()  # binary answers (application/pdf, image/png …) instead of JSON
    errors: tuple[int | tuple[int, str], ...] = ()  # answered with ErrorSchema, optionally with why
    bearer: bool = False  # the APP's bearer token


def doc(*, tag: str, request: SchemaRef | None = None, form: SchemaRef | None = None,
        query: type[Schema] | None = None, params: Iterable[dict[str, Any]] = (),
        choices: dict[str, Iterable[str]] | None = None, response: SchemaRef | None = None,
        status: int = 200, description: str | None = None, produces: Iterable[str] = (),
        errors: Iterable[int | tuple[int, str]] = (), bearer: bool = False) -> Callable[[F], F]:
    """Record the route's contract; place it directly under ``@bp.get``/``@bp.post`` (the registered view)."""
    fixed = tuple((name, tuple(values)) for name, values in (choices or {}).items())
    operation = Operation(tag, request, form, query, tuple(params), fixed, response, status, description,
                          tuple(produces), tuple(errors), bearer)

    def record(view: F) -> F:
        setattr(view, ATTRIBUTE, operation)
        return view

    return record


def operation_of(view: Callable[..., Any]) -> Operation | None:
    return getattr(view, ATTRIBUTE, None)
