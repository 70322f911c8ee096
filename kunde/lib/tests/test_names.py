import pytest

from kunde.lib.names import email_domain, name_key, plain_name


@pytest.mark.parametrize(
    "name",
    [
        "Fjellheim Konsult AS",
        "FJELLHEIM  KONSULT A/S",
        "Fjellheim Konsult ASA",
        "fjellheim-konsult",
    ],
)
def test_case_spaces_legal_form_and_punctuation_do_not_count(name):
    assert plain_name(name) == "fjellheim konsult"


def test_similar_names_share_a_key_across_word_order_and_accents():
    assert name_key("Konsult Fjellheim AS") == name_key("Fjellheim Konsult")
    assert name_key("Bjørnstad Rør") == name_key("Bjornstad Ror A/S")
    assert name_key("Fjellheim Konsult") != name_key("Fjellheim Bygg")


def test_free_mail_domains_say_nothing():
    assert email_domain("per@Fjellheim.no") == "fjellheim.no"
    assert email_domain("per@gmail.com") == ""
    assert email_domain("") == ""
