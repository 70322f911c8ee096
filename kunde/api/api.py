"""The JSON API under /api/v1/. Plain functions over the same services and selectors as the pages;
errors are JSON with a message per field."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.urls import URLPattern
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaError
from ninja.security import HttpBearer, django_auth

from kunde.accounts.models import ApiToken
from kunde.customers.services import StaleEdit


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = ApiToken.objects.user_for_key(token)
        if user is not None:
            request.user = user
        return user


def _docs_need_sign_in(view):
    """The OpenAPI document, like every API call, needs a session or a token."""

    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            header = request.headers.get("Authorization", "")
            key = header.removeprefix("Bearer ").strip()
            user = ApiToken.objects.user_for_key(key) if key else None
            if user is None:
                return JsonResponse({"detail": "Sign in or send an API token."}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="Kunde API",
    version="1",
    description="Customers, contacts and notes. Authenticate with `Authorization: Bearer <token>` "
    "(`kunde create_api_token USERNAME`) or a signed-in session.",
    urls_namespace="api",
    auth=[TokenAuth(), django_auth],
    docs_url=None,  # Swagger UI would load scripts from a CDN; the JSON document is enough
    docs_decorator=_docs_need_sign_in,
)


@api.exception_handler(ValidationError)
def _rejected(request, exc: ValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(SchemaError)
def _malformed(request, exc: SchemaError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [
            str(part) for part in error.get("loc", ()) if part not in ("body", "payload", "query")
        ]
        errors.setdefault(".".join(location) or "__all__", []).append(error.get("msg", "invalid"))
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(
        request, {"detail": str(exc) or "Your role may not do this."}, status=403
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, {"detail": "Sign in or send an API token."}, status=401)


@api.exception_handler(StaleEdit)
def _stale(request, exc):
    return api.create_response(
        request,
        {"detail": "The customer was changed after the version you sent. Fetch it again."},
        status=409,
    )


def api_urls():
    from kunde.api import customers, ehf, files, invoices, jobs, payments  # noqa: F401  (registers them)

    patterns, app_name, namespace = api.urls
    # The API authenticates by itself (token or session) and answers 401 in JSON, so the
    # sign-in redirect of LoginRequiredMiddleware must not apply.
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(pattern.callback)
    return patterns, app_name, namespace
