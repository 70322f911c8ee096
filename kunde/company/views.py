from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kunde.company.forms import CompanyForm
from kunde.company.models import Company
from kunde.company.services import company_update


def company_settings(request):
    """Everyone signed in may see our company's data; only administrators may change it."""
    company = Company.load()
    if request.method == "POST" and not request.user.can_edit_company:
        raise PermissionDenied
    form = CompanyForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        company_update(actor=request.user, data=form.cleaned_data)
        messages.success(request, _("Company settings saved."))
        return redirect("company")
    return render(request, "company/settings.html", {"form": form, "company": company})
