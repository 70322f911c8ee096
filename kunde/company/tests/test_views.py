from kunde.company.models import Company


def _data(**changes):
    return {
        "name": "Fjordvik Rådgivning AS",
        "organization_number": "923609016",
        "vat_registered": "on",
        "country": "NO",
        "bank_account": "8601.11.17947",
        "customer_number_start": 20000,
        **changes,
    }


def test_an_administrator_edits_our_company(client_for, admin):
    response = client_for(admin).post("/company/", _data())
    assert response.status_code == 302
    company = Company.load()
    assert (company.name, company.bank_account, company.customer_number_start) == (
        "Fjordvik Rådgivning AS",
        "86011117947",
        20000,
    )


def test_others_may_read_but_not_change_our_company(client_for, finance):
    client = client_for(finance)
    assert "Only administrators can change" in client.get("/company/").content.decode()
    assert client.post("/company/", _data(name="Hacked AS")).status_code == 403
    assert Company.load().name != "Hacked AS"


def test_a_wrong_organization_number_is_refused(client_for, admin):
    response = client_for(admin).post("/company/", _data(organization_number="923609017"))
    assert response.status_code == 200
    assert "organization_number" in response.context["form"].errors
    assert Company.load().organization_number == ""


def test_iban_bic_and_the_ehf_fallback_are_company_settings(client_for, admin):
    data = _data(iban="no93 8601 1117 947", bic="dnba nokk", ehf_fallback_email="")
    response = client_for(admin).post("/company/", data)
    assert response.status_code == 302
    company = Company.load()
    assert (company.iban, company.bic, company.ehf_fallback_email) == (
        "NO9386011117947",
        "DNBANOKK",
        False,
    )


def test_a_wrong_iban_or_bic_is_refused(client_for, admin):
    response = client_for(admin).post("/company/", _data(iban="NO9386011117948", bic="DNB"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"iban", "bic"}
    assert Company.load().iban == ""
