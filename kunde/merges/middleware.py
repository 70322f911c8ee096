"""A merged customer's pages lead to the survivor.

`customers.selectors.customer_for_profile`, which every profile tab fetches through, raises
`CustomerMerged` for a tombstone; this middleware answers it with a redirect to the same tab of
the survivor (same query string) and a message. No query of its own: the customer row the page
fetched anyway says where it went.
"""

import re

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from kunde.customers.selectors import CustomerMerged


class MergedCustomerRedirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, CustomerMerged):
            return None
        path = re.sub(
            rf"/{exception.customer_id}(/|$)",
            rf"/{exception.survivor_id}\1",
            request.path,
            count=1,
        )
        query = request.META.get("QUERY_STRING")
        messages.info(
            request,
            _("That customer was merged into this one; you were sent here from its old address."),
        )
        return HttpResponseRedirect(f"{path}?{query}" if query else path)
