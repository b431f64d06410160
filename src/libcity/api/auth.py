"""Who is calling: machines with bearer tokens, people with their session (CSRF-checked)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

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


STAFF_AUTH = [BearerToken(), django_auth]
