"""The fake register must answer kunde.lib.brreg the way the real Enhetsregisteret does."""

import json
import urllib.request

import pytest

from kunde.lib.brreg import RegisterClient, RegisterUnavailable
from kunde.lib.numbers import clean_organization_number
from tests.fake_register import COMPANIES, FJELLHEIM, FJELLSTUA, FakeRegister


@pytest.fixture
def register():
    register = FakeRegister().start()
    yield register
    register.stop()


def test_its_organisation_numbers_are_valid():
    for company in COMPANIES:
        number = company["organisasjonsnummer"]
        assert clean_organization_number(number) == number


def test_it_returns_one_entity_by_number(register):
    entity = RegisterClient(register.url, 1.0).get(FJELLHEIM)

    assert entity.name == "Fjellheim Konsult AS"
    assert entity.organization_form == "AS"
    assert entity.vat_registered is True
    assert entity.business_address.lines == ["Storgata 12"]
    assert entity.postal_address.postcode == "0106"


def test_it_answers_404_for_an_unknown_number(register):
    assert RegisterClient(register.url, 1.0).get("998877661") is None


def test_it_finds_names_by_case_insensitive_substring(register):
    found = RegisterClient(register.url, 1.0).search("FJELL")

    assert [entity.organization_number for entity in found] == [FJELLHEIM, FJELLSTUA]
    assert found[1].vat_registered is False


def test_it_leaves_out_embedded_when_nothing_matches(register):
    with urllib.request.urlopen(f"{register.url}/enheter?navn=ingen&size=5") as response:
        answer = json.load(response)

    assert "_embedded" not in answer
    assert answer["page"]["totalElements"] == 0
    assert RegisterClient(register.url, 1.0).search("ingen") == []


def test_it_limits_the_matches_to_the_size_asked_for(register):
    assert len(RegisterClient(register.url, 1.0).search("a", limit=2)) == 2


def test_in_slow_mode_the_client_gives_up(register):
    register.delay = 5

    with pytest.raises(RegisterUnavailable):
        RegisterClient(register.url, 0.2).search("fjell")
