"""Who is calling: machines with bearer tokens, people with their session (CSRF-checked)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from libcity.staff.exceptions import InvalidToken
from libcity.staff.services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        try:
            user = api_token_authenticate(token)
        except InvalidToken:
            return None
        request.user = user
        return user


class Session(SessionAuth):
    """The signed-in session, CSRF-checked; not consulted when a bearer token was sent, so a
    bad token is answered "not authenticated" rather than with a CSRF complaint."""

    def __call__(self, request: HttpRequest):
        if request.META.get("HTTP_AUTHORIZATION"):
            return None
        return super().__call__(request)


STAFF_AUTH = [BearerToken(), Session()]
