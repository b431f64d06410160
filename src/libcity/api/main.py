"""The API instance: /api/v1/ with OpenAPI at /api/v1/openapi.json and docs at /api/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from libcity.api import (
    catalogue,
    circulation,
    errors,
    holds,
    lockers,
    readers,
    selfservice,
    sharing,
    units,
)

api = NinjaAPI(
    title="libcity API",
    version="1",
    urls_namespace="api-v1",
    description=(
        "One library for a whole city. Public reads need no credentials; staff endpoints take a "
        "bearer token (`libcity token create --user NAME`) or a signed-in session with its CSRF "
        "token. Errors are RFC 9457 problem+json bodies with a stable `code`."
    ),
)
errors.install(api)
api.add_router("", units.router)
api.add_router("", readers.router)
api.add_router("", catalogue.router)
api.add_router("", circulation.router)
api.add_router("", holds.router)
api.add_router("", lockers.router)
api.add_router("", selfservice.router)
api.add_router("", sharing.router)
