"""Response headers: a Content-Security-Policy on every page, and no caching of anything a
signed-in user gets (pages, PDFs, XLSX files, API answers)."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Pages only: on a PDF, `object-src 'none'` would stop the browser's own PDF viewer.
        is_page = response.get("Content-Type", "").startswith("text/html")
        if settings.CONTENT_SECURITY_POLICY and is_page:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A shared or back-buttoned browser must not show another user's customers.
            add_never_cache_headers(response)
        return response
