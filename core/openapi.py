"""The OpenAPI document is the contract front-ends generate clients from: make it say the truth.

Litestar builds the document from the handlers, but loses what pydantic knows (patterns, `maxItems`
of lists, which fields may be null) and documents every error as a 400 in its own JSON shape. After
the document is built, `finalize_openapi` rewrites the parts that would mislead a client:

- every model's schema is pydantic's own JSON Schema, the one requests are validated with;
- errors are RFC 9457 problem details (`application/problem+json`, the `ProblemDetails` schema),
  one response per status the operation can really answer. A handler names the statuses only it
  knows (`problems=(404, 409)` in its decorator); those every operation of a kind shares are added
  here by rule, so a new endpoint cannot forget them;
- a request body that may be left out (`data: ... = None`) is not marked required;
- a query or header parameter is never null (it is sent or not): no `null` branch in its schema;
- every GET has its HEAD (answered by `core.http_rules` as GET without the body): the same
  parameters and responses, without content, operation id `<GET's>_head`.
"""

from __future__ import annotations

import types
from dataclasses import fields, replace
from typing import Any, TypeVar, get_args, get_origin

from litestar import Litestar, Response
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.datastructures import ResponseHeader
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
)
from litestar.routes import HTTPRoute
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from core.problems import PROBLEM_JSON

API_PREFIX = "/api/v1"
T = TypeVar("T")

# Litestar gives a documentation-only header no schema: `finalize_openapi` adds it.
LOCATION = ResponseHeader(
    name="Location",
    description="Where the created item can be read (a path on this service)",
    documentation_only=True,
    required=True,
)
LOCATION_SCHEMA = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.URI_REFERENCE)


def created_at(location: str, body: T) -> Response[T]:
    """A 201 answer that says where the created item lives (RFC 9110 §15.3.2)."""
    return Response(body, status_code=201, headers={"Location": location})


def optional_without_null(description: str) -> Any:
    """A field that may be left out but never sent as null: pydantic never validates the default
    None, so an explicit null is refused, and `ContractSchema` shows no `"default": null`."""
    return Field(None, description=description)


class ContractSchema(GenerateJsonSchema):
    """Pydantic's JSON Schema, without `"default": null` on fields that refuse null (it would
    tell a client generator to send null)."""

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        if schema.get("default", ...) is None and not _allows_null(json_schema):
            json_schema.pop("default", None)
        return json_schema


def _allows_null(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_allows_null(option) for option in schema.get("anyOf", []) + schema.get("oneOf", []))


class FieldError(BaseModel):
    field: str = Field(
        description="Where the problem is: a body field (`extra.code`, `recipients.0.organ_id`), "
        "a query parameter or a multipart part"
    )
    message: str


class ProblemDetails(BaseModel):
    """An error, as RFC 9457 problem details. `detail` is written for a person to act on."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="Always about:blank: `status` says the kind")
    title: str = Field(description="Short name of the status, such as 'Invalid input'")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="What happened, why, and what to do")
    errors: list[FieldError] = optional_without_null("Each wrong field, when there are some")
    current_revision: int = optional_without_null(
        "409 on a stale revision: the document's revision now"
    )
    fields: list[str] = optional_without_null(
        "409 on a numbered document: the fields that can no longer change"
    )


PROBLEM_DESCRIPTIONS = {
    400: "The request could not be read: the body is not JSON, not a JSON object, or nested "
    "too deeply. Nothing was changed.",
    401: "Not signed in, or the token is not accepted (expired, revoked, signed out): `detail` "
    "says which and how to get one. Nothing was done.",
    403: "Signed in, but your roles do not allow this here: `detail` names the role that would. "
    "Nothing was changed.",
    404: "No such item (or a malformed id). Nothing was changed.",
    409: "The request conflicts with the item's state: a stale revision, a document already "
    "numbered, a code already taken. `detail` says which; nothing was changed.",
    413: "The request body is larger than the service accepts. Nothing was changed.",
    415: "The body has a media type this operation does not take (a JSON body needs "
    "`Content-Type: application/json`). Nothing was changed.",
    416: "The requested byte range lies outside the file.",
    422: "Some values are wrong: `errors` names each field. Nothing was changed.",
    429: "Too many failed sign-ins: the account is locked for a while (`Retry-After`).",
    431: "The request line and headers together are longer than the service accepts "
    "(`max_header_bytes`, 64 KiB by default): send fewer or shorter headers. Nothing was done.",
    500: "A plugin of the unit failed or answered something unusable; `detail` names it. "
    "Nothing was changed; tell whoever runs the service.",
    503: "The database or the file store is not answering. Try again in a moment.",
}


class _ContractOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, finishing the document with `finalize_openapi` the first time
    it is asked for (/schema, a client), not while the app is built: most apps never serve it,
    and building it is half the cost of `create_app`."""

    __slots__ = ()

    def provide_openapi(self) -> OpenAPI:
        if not self._openapi:
            openapi = self._build_openapi()
            finalize_openapi(self.app, openapi)
            self._openapi = openapi
        return self._openapi


def serve_contract_openapi(app: Litestar) -> None:
    """Make the app serve the finished document (call once, after the app is built).

    Litestar registers its OpenAPI plugin by type and binds its /schema routes to that instance;
    changing the instance's class (same slots, one method more) keeps both, where replacing the
    instance would leave either the registry or the routes on the old one."""
    plugin = app.plugins.get(OpenAPIPlugin)
    plugin.__class__ = _ContractOpenAPIPlugin


def finalize_openapi(app: Litestar, openapi: OpenAPI) -> None:
    """Rewrite the OpenAPI document Litestar just built for `app`, in place."""
    models: set[type[BaseModel]] = {ProblemDetails}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path_item = (openapi.paths or {}).get(route.path_format or "/")
        if path_item is None:
            continue
        for method, (handler, _) in route.route_handler_map.items():
            operation = getattr(path_item, method.lower(), None)
            if not isinstance(operation, Operation):
                continue
            signature = handler.parsed_fn_signature
            models.update(_models_in(signature.return_type.annotation))
            data = signature.parameters.get("data")
            if data is not None:
                models.update(_models_in(data.annotation))
                _fix_request_body(operation, data)
            _drop_null_from_parameters(operation)
            _set_problem_responses(operation, handler, route, has_body=data is not None)
    for path_item in (openapi.paths or {}).values():
        _add_head(path_item)
    _use_pydantic_schemas(openapi, models)


def _set_problem_responses(
    operation: Operation, handler: Any, route: HTTPRoute, *, has_body: bool
) -> None:
    responses = operation.responses or {}
    for status in [code for code in responses if int(code) >= 400]:
        del responses[status]  # Litestar's own error shapes: not what the service sends
    for response in responses.values():
        if isinstance(response, OpenAPIResponse) and response.headers:
            for name, header in response.headers.items():
                if name == LOCATION.name and isinstance(header, OpenAPIHeader):
                    header.schema = LOCATION_SCHEMA
    statuses = set(handler.opt.get("problems", ()))
    statuses.add(431)  # a request line plus headers over max_header_bytes, on any path
    signed_in = route.path.startswith(API_PREFIX) and not handler.opt.get("exclude_from_auth")
    if route.path.startswith(API_PREFIX):
        statuses.update(_statuses_by_rule(operation, has_body=has_body))
    if signed_in:
        statuses.add(401)  # no token, or one not accepted
        if operation is not None and handler.http_methods - {"GET", "HEAD"}:
            statuses.add(403)  # a change the caller's roles do not allow in that unit
    else:
        operation.security = []  # open: health, docs, signing in
    for status in sorted(statuses):
        responses[str(status)] = problem_response(status)
    operation.responses = responses


def _statuses_by_rule(operation: Operation, *, has_body: bool) -> set[int]:
    """What every API operation of a kind can answer, whatever its handler says."""
    statuses = {503}  # the database or the file store does not answer
    parameters = [p for p in operation.parameters or [] if isinstance(p, Parameter)]
    if has_body:
        statuses |= {400, 413, 415, 422}  # not JSON / too large / not sent as JSON / wrong fields
    if any(p.param_in == "path" for p in parameters):
        statuses.add(404)  # an id or code that names nothing
    if any(p.param_in == "query" for p in parameters):
        statuses.add(422)  # a query value of the wrong kind
    if any(p.param_in == "query" and p.required for p in parameters):
        statuses.add(400)  # a required query parameter left out
    if any(p.param_in == "path" and _constrained(p.schema) for p in parameters):
        statuses.add(422)  # a path value out of range ({year} 1900-9999)
    return statuses


def _add_head(path_item: PathItem) -> None:
    """HEAD wherever GET is: a path's own HEAD stays (the download's), and neither has bodies."""
    get = path_item.get
    if path_item.head is None and isinstance(get, Operation):
        path_item.head = Operation(
            tags=get.tags,
            summary=f"{get.summary}: the headers only" if get.summary else None,
            description="What GET of this URL answers (status and headers), without the body.",
            operation_id=f"{get.operation_id}_head" if get.operation_id else None,
            parameters=get.parameters,
            responses={code: _headers_only(r) for code, r in (get.responses or {}).items()},
            deprecated=get.deprecated,
            security=get.security,
        )
    elif isinstance(path_item.head, Operation):
        responses = path_item.head.responses or {}
        path_item.head.responses = {code: _headers_only(r) for code, r in responses.items()}


def _headers_only(response: OpenAPIResponse | Reference) -> OpenAPIResponse | Reference:
    if not isinstance(response, OpenAPIResponse):
        return response
    return OpenAPIResponse(
        description=response.description, headers=response.headers, links=response.links
    )


def _drop_null_from_parameters(operation: Operation) -> None:
    """A query or header parameter is sent or not: null cannot be sent, so its schema offers
    none (Litestar writes `X | None = None` as `oneOf: [X, null]`)."""
    for parameter in operation.parameters or []:
        if isinstance(parameter, Parameter) and parameter.param_in in ("query", "header"):
            parameter.schema = _never_null(parameter.schema)


def _never_null(schema: Any) -> Any:
    if not isinstance(schema, Schema):
        return schema
    if isinstance(schema.type, list | tuple) and OpenAPIType.NULL in schema.type:
        kinds = [kind for kind in schema.type if kind != OpenAPIType.NULL]
        return replace(schema, type=kinds[0] if len(kinds) == 1 else kinds)
    for key in ("one_of", "any_of"):
        options = getattr(schema, key) or []
        kept = [option for option in options if not _is_null(option)]
        if len(kept) < len(options):
            outer = {
                f.name: getattr(schema, f.name)
                for f in fields(schema)
                if getattr(schema, f.name) is not None and f.name != key
            }
            if len(kept) != 1:
                return replace(schema, **{key: kept})
            return _merged(kept[0], outer)
    return schema


def _merged(kept: Schema | Reference, outer: dict[str, Any]) -> Schema | Reference:
    """The one non-null branch, with what the union itself said (a description, maxLength)."""
    if not outer:
        return kept
    if isinstance(kept, Reference):
        return Schema(all_of=[kept], **outer)
    return replace(kept, **{k: v for k, v in outer.items() if getattr(kept, k) is None})


def _is_null(schema: Any) -> bool:
    return isinstance(schema, Schema) and schema.type == OpenAPIType.NULL


def _constrained(schema: Any) -> bool:
    limits = ("minimum", "maximum", "pattern", "enum", "max_length", "min_length")
    return isinstance(schema, Schema) and any(getattr(schema, name) is not None for name in limits)


def problem_response(status: int) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=PROBLEM_DESCRIPTIONS[status],
        content={
            PROBLEM_JSON: OpenAPIMediaType(
                schema=Reference(ref=f"#/components/schemas/{ProblemDetails.__name__}")
            )
        },
    )


def _fix_request_body(operation: Operation, data: Any) -> None:
    """A body declared `X | None = None` may be left out: not required, and its schema is X."""
    body = operation.request_body
    if not isinstance(body, RequestBody) or not data.has_default:
        return
    body.required = False
    for media in (body.content or {}).values():
        schema = media.schema
        if isinstance(schema, Schema) and schema.one_of:
            kept = [s for s in schema.one_of if not (isinstance(s, Schema) and s.type == "null")]
            if len(kept) == 1:
                media.schema = kept[0]


def _models_in(annotation: Any) -> set[type[BaseModel]]:
    """Pydantic models named in a type: `list[FileOut]`, `RevisionOnly | None`, Annotated…"""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {annotation}
    found: set[type[BaseModel]] = set()
    if get_origin(annotation) is not None or isinstance(annotation, types.UnionType):
        for argument in get_args(annotation):
            found |= _models_in(argument)
    return found


class _RawSchema(Schema):
    """A schema written out as given: pydantic's JSON Schema, which Litestar's spec classes would
    reshape (they drop every `null`, so `"default": null` would vanish)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        super().__init__()
        self.raw = raw

    def to_schema(self) -> dict[str, Any]:
        return self.raw


def _use_pydantic_schemas(openapi: OpenAPI, models: set[type[BaseModel]]) -> None:
    components = openapi.components
    schemas: dict[str, Any] = dict(components.schemas or {})
    template = "#/components/schemas/{model}"
    for model in sorted(models, key=lambda m: m.__name__):
        schema = model.model_json_schema(
            ref_template=template, mode="validation", schema_generator=ContractSchema
        )
        for name, definition in schema.pop("$defs", {}).items():
            schemas[name] = _RawSchema(definition)
        schemas[model.__name__] = _RawSchema(schema)
    components.schemas = dict(sorted(schemas.items()))
