from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from kunde.accounts.urls import user_urlpatterns
from kunde.api.api import api_urls
from kunde.company.views import company_settings

urlpatterns = [
    path("", RedirectView.as_view(url="/customers/", permanent=False)),
    path("accounts/", include("kunde.accounts.urls")),
    path("customers/", include("kunde.customers.urls")),
    path("users/", include(user_urlpatterns)),
    path("company/", company_settings, name="company"),
    path("jobs/", include("kunde.jobs.urls")),
    path("projects/", include("kunde.projects.urls")),
    path("", include(("kunde.invoices.urls", "invoices"))),
    path("", include(("kunde.payments.urls", "payments"))),
    path("", include("kunde.files.urls")),
    path("", include("kunde.ehf.urls")),
    path("", include("kunde.offers.urls")),
    path("", include("kunde.stats.urls")),
    path("", include("kunde.merges.urls")),
    path("language/", login_not_required(set_language), name="set_language"),
    path("api/v1/", api_urls()),
]
