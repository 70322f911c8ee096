"""Response headers every page gets: a Content-Security-Policy, and no caching of anything a
signed-in user sees (pages, PDFs, XLSX files, API answers)."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A shared or back-buttoned browser must not show another user's customers.
            add_never_cache_headers(response)
        return response
