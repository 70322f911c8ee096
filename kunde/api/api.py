"""The JSON API under /api/v1/. Plain functions over the same services and selectors as the pages;
errors are JSON with a message per field."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaError
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from kunde.accounts.models import ApiToken
from kunde.api.common import MAX_INT, NUL_MESSAGE, has_nul
from kunde.customers.services import StaleEdit


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = ApiToken.objects.user_for_key(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """A signed-in browser session; its writes need the CSRF token. Without a session the
    answer is 401 like any missing credential, not a CSRF 403."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


class StrictParser(Parser):
    """Query and form values with NUL are refused (422) before they reach the database; request
    bodies are checked by `InputSchema`."""

    def parse_querydict(self, data, list_fields, request):
        for key, values in data.lists():
            if has_nul(key) or has_nul(values):
                raise SchemaError([{"loc": ("query", key), "msg": NUL_MESSAGE}])
        return super().parse_querydict(data, list_fields, request)


class KundeAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                _declare_errors(path, method, operation)
        return schema


_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_ERRORS = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": 'Messages per field, e.g. {"lines.0.vat_rate": ["…"]}.',
        }
    },
    "required": ["errors"],
}
# Operations that can meet a state conflict: a stale version, an issued or credited document,
# an already assigned payment.
_CONFLICTS = {"update_customer", "issue_invoice", "credit_invoice", "invoice_pdf", "assign_payment"}
_CONFLICTS |= {"update_offer", "send_offer", "accept_offer", "reject_offer", "offer_pdf"}


def _declare_errors(path: str, method: str, operation: dict) -> None:
    """Every operation declares the errors it can answer, in the shapes the handlers below
    give: {"detail"} or, for 422, {"errors": {field: [messages]}}."""
    responses = operation.setdefault("responses", {})

    def declare(status: int, description: str, body: dict) -> None:
        responses.setdefault(
            status, {"description": description, "content": {"application/json": {"schema": body}}}
        )

    if "requestBody" in operation:
        declare(400, "The body is not valid JSON.", _DETAIL)
    declare(401, "No valid API token or signed-in session.", _DETAIL)
    if method != "get":
        declare(403, "The role may not do this, or a session's CSRF token is missing.", _DETAIL)
    if "{" in path:
        declare(404, "No such object.", _DETAIL)
    if any(operation["operationId"].endswith("_" + name) for name in _CONFLICTS):
        declare(409, "The object is in another state or version than the request assumes.", _DETAIL)
    if operation.get("parameters") or "requestBody" in operation:
        declare(422, "A value is refused; the messages name the fields.", _ERRORS)


@csrf_exempt  # a POST to an unknown path is a 404, whatever its cookies
def _not_found(request, unknown=""):
    return JsonResponse({"detail": "No such API path."}, status=404)


def _ids_in_range(view):
    """An id in the path beyond what the database holds names no object: 404, not a database
    overflow (a server error)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        for value in kwargs.values():
            text = str(value).lstrip("-")
            if text.isdigit() and int(text) > MAX_INT:
                return JsonResponse({"detail": "No such object."}, status=404)
        return view(request, *args, **kwargs)

    return wrapper


def _docs_need_sign_in(view):
    """The OpenAPI document, like every API call, needs a session or a token; the docs page
    sends a person to the sign-in page."""

    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated and request.path.endswith("/docs"):
            return redirect_to_login(request.get_full_path())
        if not request.user.is_authenticated:
            header = request.headers.get("Authorization", "")
            key = header.removeprefix("Bearer ").strip()
            user = ApiToken.objects.user_for_key(key) if key else None
            if user is None:
                return JsonResponse({"detail": "Sign in or send an API token."}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


api = KundeAPI(
    title="Kunde API",
    version="1",
    description="Customers, contacts and notes. Authenticate with `Authorization: Bearer <token>` "
    "(`kunde create_api_token USERNAME`) or a signed-in session.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    parser=StrictParser(),
    docs_url="/docs",  # Swagger UI from django-ninja's bundled static files ("ninja" app)
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
    # merges first: its /customers/duplicates must match before /customers/{customer_id}.
    from kunde.api import merges as _merges  # noqa: F401, I001  (registers it)
    from kunde.api import (  # noqa: F401  (registers them)
        customers,
        ehf,
        files,
        invoices,
        jobs,
        offers,
        payments,
        projects,
        stats,
    )

    patterns, app_name, namespace = api.urls
    # The API authenticates by itself (token or session) and answers 401 in JSON, so the
    # sign-in redirect of LoginRequiredMiddleware must not apply.
    patterns = [*patterns, re_path(r"^(?P<unknown>.*)$", _not_found)]  # JSON 404, not HTML
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(_ids_in_range(pattern.callback))
    return patterns, app_name, namespace
