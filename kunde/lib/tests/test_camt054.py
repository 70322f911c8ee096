import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from kunde.lib.camt054 import (
    VERSIONS,
    Camt054AccountNotification,
    Camt054Entry,
    Camt054Error,
    Camt054Notification,
    Camt054Transaction,
    CreditorReference,
    SkippedEntry,
    kid_candidates,
    parse_camt054,
    skip_reason,
)
from kunde.lib.camt054_writer import write_camt054

DATA = Path(__file__).parent / "data" / "camt054"
FIXTURES = {version: (DATA / f"camt054_v{version[-2:]}.xml").read_bytes() for version in VERSIONS}
V08 = FIXTURES["001.08"]


def refused(message):
    return pytest.raises(Camt054Error, match=f"^{re.escape(message)}$")


def changed(document: bytes, old: str, new: str, count: int = 1) -> bytes:
    assert document.count(old.encode()) >= count, old
    return document.replace(old.encode(), new.encode(), count)


# The content shared by the three hand-written samples

CET = timezone(timedelta(hours=1))
SCOR = "SCOR"


def expected(version: str) -> Camt054Notification:
    single = Camt054Entry(
        amount=Decimal("1250.00"),
        currency="NOK",
        credit_debit="CRDT",
        status="BOOK",
        booking_date=date(2025, 3, 13),
        value_date=date(2025, 3, 13),
        account_servicer_reference="NTRY-0001",
        entry_reference="1",
        bank_transaction_code="PMNT/RCDT/DMCT",
        transactions=(
            Camt054Transaction(
                amount=Decimal("1250.00"),
                currency="NOK",
                credit_debit="CRDT",
                end_to_end_id="E2E-KARI-0001",
                account_servicer_reference="TX-0001-1",
                transaction_id="TXID-0001",
                uetr="5b2e6f5a-7b1d-4c3e-9a2f-1d2c3b4a5e6f" if version == "001.08" else None,
                debtor_name="Kari Nordmann",
                debtor_account="NO8330001234567",
                creditor_references=(CreditorReference(SCOR, "000123400100426"),),
            ),
        ),
    )
    batch = Camt054Entry(
        amount=Decimal("3600.00"),
        currency="NOK",
        credit_debit="CRDT",
        status="BOOK",
        # DtTm 2025-03-14T00:30:00+01:00: the bank's date, not UTC's 13 March.
        booking_date=date(2025, 3, 14),
        value_date=date(2025, 3, 14),
        account_servicer_reference="NTRY-0002",
        bank_transaction_code="KID",
        transactions=(
            Camt054Transaction(
                amount=Decimal("1000.00"),
                currency="NOK",
                credit_debit="CRDT",
                end_to_end_id="NOTPROVIDED",
                account_servicer_reference="TX-0002-1",
                debtor_name="Ola Nordmann",
                debtor_account="12345678903",
                creditor_references=(CreditorReference(SCOR, "000123400100434"),),
            ),
            Camt054Transaction(
                amount=Decimal("1500.50"),
                currency="NOK",
                credit_debit="CRDT",
                account_servicer_reference="TX-0002-2",
                instruction_id="INSTR-2",
                debtor_name="Fjellbygg AS",
                creditor_references=(CreditorReference(SCOR, "000234500100446"),),
            ),
            Camt054Transaction(
                amount=Decimal("1099.50"),
                currency="NOK",
                credit_debit="CRDT",
                account_servicer_reference="TX-0002-3",
                debtor_name="Per Hansen",
                creditor_references=(CreditorReference(None, "000345600100456"),),
            ),
        ),
    )
    reversal = Camt054Entry(
        amount=Decimal("1000.00"),
        currency="NOK",
        credit_debit="DBIT",
        reversal=True,
        status="BOOK",
        booking_date=date(2025, 3, 13),
        account_servicer_reference="NTRY-0003",
        bank_transaction_code="PMNT/RCDT/RRTN",
        transactions=(
            Camt054Transaction(
                amount=Decimal("1000.00"),
                currency="NOK",
                credit_debit="DBIT",
                account_servicer_reference="TX-0003-1",
                creditor_references=(CreditorReference(SCOR, "000123400100434"),),
                remittance_texts=("Returned: account closed",),
            ),
        ),
    )
    pending = Camt054Entry(
        amount=Decimal("500.00"),
        currency="NOK",
        credit_debit="CRDT",
        status="PDNG",
        value_date=date(2025, 3, 17),
        account_servicer_reference="NTRY-0004",
        bank_transaction_code="PMNT/RCDT/DMCT",
        transactions=(
            Camt054Transaction(
                amount=Decimal("500.00"),
                currency="NOK",
                credit_debit="CRDT",
                creditor_references=(CreditorReference(SCOR, "000123400099818"),),
            ),
        ),
    )
    free_text = Camt054Entry(
        amount=Decimal("2000.00"),
        currency="NOK",
        credit_debit="CRDT",
        status="BOOK",
        booking_date=date(2025, 3, 13),
        account_servicer_reference="NTRY-0005",
        bank_transaction_code="PMNT/RCDT/DMCT",
        transactions=(
            Camt054Transaction(
                amount=Decimal("2000.00"),
                currency="NOK",
                credit_debit="CRDT",
                debtor_name="Nordlys Konsult AS",
                remittance_texts=("Faktura 10042 mars", "Takk for hjelpen"),
            ),
        ),
    )
    rf = Camt054Entry(
        amount=Decimal("750.00"),
        currency="NOK",
        credit_debit="CRDT",
        status="BOOK",
        booking_date=date(2025, 3, 13),
        account_servicer_reference="NTRY-0006",
        bank_transaction_code="PMNT/RCDT/ESCT",
        transactions=(
            Camt054Transaction(
                amount=Decimal("750.00"),
                currency="NOK",
                credit_debit="CRDT",
                debtor_name="Anna Berg",
                creditor_references=(CreditorReference(SCOR, "RF18539007547034"),),
            ),
        ),
    )
    no_details = Camt054Entry(
        amount=Decimal("12.34"),
        currency="NOK",
        credit_debit="CRDT",
        status="BOOK",
        booking_date=date(2025, 3, 13),
        account_servicer_reference="NTRY-0007",
        additional_info="Renter mars",
        transactions=(Camt054Transaction(Decimal("12.34"), "NOK", "CRDT"),),
    )
    return Camt054Notification(
        message_id="BANK-054-20250314-0001"
        if version == "001.08"
        else f"BANK-054-20250314-V{version[-2:]}",
        created_at=datetime(2025, 3, 14, 6, 15, tzinfo=CET),
        version=version,
        notifications=(
            Camt054AccountNotification(
                id="NTF-20250314-01",
                account_iban="NO9386011117947",
                account_other_id=None,
                currency="NOK",
                created_at=datetime(2025, 3, 14, 6, 15, tzinfo=CET),
                entries=(single, batch, reversal, free_text, rf, no_details),
                skipped=(
                    SkippedEntry(
                        pending,
                        "Status PDNG (pending: the bank may still change or cancel it); "
                        "only booked (BOOK) entries are booked.",
                    ),
                ),
            ),
            Camt054AccountNotification(
                id="NTF-20250314-02",
                account_iban=None,
                account_other_id="86011117947",
                currency=None,
            ),
        ),
    )


# Reading the samples


@pytest.mark.parametrize("version", VERSIONS)
def test_it_reads_every_field_of_each_version(version):
    assert parse_camt054(FIXTURES[version]) == expected(version)


@pytest.mark.parametrize("version", VERSIONS)
def test_it_signs_amounts_in_ore_from_the_credit_debit_indicator(version):
    entries = parse_camt054(FIXTURES[version]).notifications[0].entries
    single, batch, reversal = entries[:3]
    assert single.amount_ore == 125000
    assert [t.amount_ore for t in batch.transactions] == [100000, 150050, 109950]
    assert batch.amount_ore == 360000
    assert reversal.reversal is True
    assert reversal.amount_ore == -100000
    assert reversal.transactions[0].amount_ore == -100000


@pytest.mark.parametrize("version", VERSIONS)
def test_it_skips_a_pending_entry_with_the_reason(version):
    notification = parse_camt054(FIXTURES[version]).notifications[0]
    assert "NTRY-0004" not in [e.account_servicer_reference for e in notification.entries]
    [skipped] = notification.skipped
    assert skipped.entry.status == "PDNG"
    assert skipped.reason.startswith("Status PDNG (pending")


def test_it_takes_the_amount_of_a_single_transaction_without_one_from_the_entry():
    free_text = parse_camt054(V08).notifications[0].entries[3]
    assert free_text.transactions[0].amount == Decimal("2000.00")
    assert free_text.transactions[0].remittance_texts == ("Faktura 10042 mars", "Takk for hjelpen")


def test_it_takes_the_transaction_amount_not_the_instructed_amount_in_another_currency():
    for version in VERSIONS:
        batch = parse_camt054(FIXTURES[version]).notifications[0].entries[1]
        assert (batch.transactions[0].amount, batch.transactions[0].currency) == (
            Decimal("1000.00"),
            "NOK",
        )


def test_it_makes_one_transaction_of_an_entry_without_details():
    no_details = parse_camt054(V08).notifications[0].entries[5]
    assert no_details.transactions == (Camt054Transaction(Decimal("12.34"), "NOK", "CRDT"),)


def test_it_accepts_amounts_with_trailing_zeros_beyond_two_decimals():
    document = changed(V08, '<Amt Ccy="NOK">12.34</Amt>', '<Amt Ccy="NOK">12.34000</Amt>')
    assert parse_camt054(document).notifications[0].entries[5].amount_ore == 1234


def test_it_skips_a_booked_entry_without_a_booking_date():
    document = changed(
        V08,
        "<BookgDt>\n          <Dt>2025-03-13</Dt>\n        </BookgDt>\n        "
        "<AcctSvcrRef>NTRY-0007</AcctSvcrRef>",
        "<AcctSvcrRef>NTRY-0007</AcctSvcrRef>",
    )
    skipped = parse_camt054(document).notifications[0].skipped
    assert skipped[-1].entry.account_servicer_reference == "NTRY-0007"
    assert skipped[-1].reason == "Booked (BOOK) but without a booking date (BookgDt)."


def test_it_explains_other_statuses():
    entry = expected("001.08").notifications[0].entries[0]
    assert skip_reason(replace(entry, status="INFO")) == (
        "Status INFO (for information only, not booked on the account); "
        "only booked (BOOK) entries are booked."
    )
    assert skip_reason(replace(entry, status="ZZZZ")) == (
        "Status ZZZZ (not booked); only booked (BOOK) entries are booked."
    )
    assert skip_reason(entry) is None


def test_it_reads_a_proprietary_status_and_an_unusual_boolean():
    document = changed(
        V08, "<Sts>\n          <Cd>PDNG</Cd>", "<Sts>\n          <Prtry>HELD</Prtry>"
    )
    document = changed(document, "<RvslInd>true</RvslInd>", "<RvslInd>1</RvslInd>")
    notification = parse_camt054(document).notifications[0]
    assert notification.skipped[0].entry.status == "HELD"
    assert notification.entries[2].reversal is True


# KID candidates


def test_kid_candidates_of_the_samples():
    entries = parse_camt054(V08).notifications[0].entries
    single, batch, reversal, free_text, rf, no_details = entries
    assert kid_candidates(single.transactions[0]) == ["000123400100426"]
    assert [kid_candidates(t) for t in batch.transactions] == [
        ["000123400100434"],
        ["000234500100446"],
        ["000345600100456"],
    ]
    assert kid_candidates(reversal.transactions[0]) == ["000123400100434"]
    assert kid_candidates(free_text.transactions[0]) == []
    assert kid_candidates(rf.transactions[0]) == []
    assert kid_candidates(no_details.transactions[0]) == []


@pytest.mark.parametrize(
    "reference, candidates",
    [
        (CreditorReference("SCOR", "40-"), ["40-"]),
        (CreditorReference("SCOR", "12"), ["12"]),
        (CreditorReference("SCOR", "1" * 25), ["1" * 25]),
        (CreditorReference(None, "123456785"), ["123456785"]),
        (CreditorReference("SCOR", "1"), []),
        (CreditorReference("SCOR", "1" * 26), []),
        (CreditorReference("SCOR", "-40"), []),
        (CreditorReference("SCOR", "12 34"), []),
        (CreditorReference("SCOR", "RF18539007547034"), []),
        (CreditorReference("SCOR", "١٢٣"), []),
        (CreditorReference("QRR", "210000000003139471430009017"), []),
        (CreditorReference("ISR Reference", "123456785"), []),
        (CreditorReference("PUOR", "123456785"), []),
    ],
)
def test_kid_candidates_look_like_kids(reference, candidates):
    transaction = Camt054Transaction(Decimal("1"), "NOK", "CRDT", creditor_references=(reference,))
    assert kid_candidates(transaction) == candidates


def test_kid_candidates_are_listed_once_in_order():
    references = (
        CreditorReference("SCOR", "123456785"),
        CreditorReference("SCOR", "000123400100426"),
        CreditorReference(None, "123456785"),
    )
    transaction = Camt054Transaction(Decimal("1"), "NOK", "CRDT", creditor_references=references)
    assert kid_candidates(transaction) == ["123456785", "000123400100426"]


# Documents that contradict themselves


def test_it_refuses_transactions_that_do_not_add_up_to_the_entry():
    document = changed(V08, '<Amt Ccy="NOK">3600.00</Amt>', '<Amt Ccy="NOK">3700.00</Amt>')
    with refused(
        "Entry NTRY-0002: the 3 transactions add up to 3600.00 NOK, "
        "but the entry amount is 3700.00 NOK."
    ):
        parse_camt054(document)


def test_it_refuses_a_batch_total_that_does_not_match_the_transactions():
    document = changed(
        V08, '<TtlAmt Ccy="NOK">3600.00</TtlAmt>', '<TtlAmt Ccy="NOK">3500.00</TtlAmt>'
    )
    with refused(
        "Entry NTRY-0002: the batch total (Btch/TtlAmt) is 3500.00 NOK, "
        "but the transactions add up to 3600.00 NOK."
    ):
        parse_camt054(document)


@pytest.mark.parametrize("version", VERSIONS)
def test_it_refuses_a_wrong_number_of_transactions(version):
    document = changed(FIXTURES[version], "<NbOfTxs>3</NbOfTxs>", "<NbOfTxs>4</NbOfTxs>")
    with refused(
        "Entry NTRY-0002: the batch says 4 transactions (Btch/NbOfTxs), but 3 are listed."
    ):
        parse_camt054(document)


@pytest.mark.parametrize("version", VERSIONS)
def test_it_refuses_a_transaction_in_another_currency(version):
    document = changed(
        FIXTURES[version], '<Amt Ccy="NOK">1500.50</Amt>', '<Amt Ccy="EUR">1500.50</Amt>'
    )
    with refused("Entry NTRY-0002, transaction 2: the currency EUR differs from the entry's NOK."):
        parse_camt054(document)


def test_it_refuses_a_batch_total_in_another_currency():
    document = changed(V08, '<TtlAmt Ccy="NOK">', '<TtlAmt Ccy="SEK">')
    with refused("Entry NTRY-0002: the batch total is in SEK, but the entry is in NOK."):
        parse_camt054(document)


def test_it_checks_a_batch_summary_without_details_against_the_entry():
    batch = (
        '<NtryDtls><Btch><NbOfTxs>2</NbOfTxs><TtlAmt Ccy="NOK">12.00</TtlAmt></Btch></NtryDtls>'
        "\n        <AddtlNtryInf>"
    )
    document = changed(V08, "<AddtlNtryInf>", batch)
    with refused(
        "Entry NTRY-0007: the batch total (Btch/TtlAmt) is 12.00 NOK, "
        "but the entry amount is 12.34 NOK."
    ):
        parse_camt054(document)
    entry = parse_camt054(document.replace(b">12.00<", b">12.34<")).notifications[0].entries[5]
    assert entry.transactions == (Camt054Transaction(Decimal("12.34"), "NOK", "CRDT"),)


def test_it_refuses_a_batch_whose_payments_have_no_amounts():
    document = V08
    for amount in ("1000.00", "1500.50", "1099.50"):
        document = changed(
            document,
            f'<Amt Ccy="NOK">{amount}</Amt>\n            <CdtDbtInd>CRDT</CdtDbtInd>',
            "",
        )
    with refused(
        "Entry NTRY-0002, transaction 1 has no amount (Amt or AmtDtls/TxAmt/Amt), "
        "so the entry cannot be split into its payments."
    ):
        parse_camt054(document)


def test_it_nets_a_batch_with_credits_and_debits():
    document = changed(
        V08,
        '<Amt Ccy="NOK">1099.50</Amt>\n            <CdtDbtInd>CRDT</CdtDbtInd>',
        '<Amt Ccy="NOK">1099.50</Amt>\n            <CdtDbtInd>DBIT</CdtDbtInd>',
    )
    with refused(
        "Entry NTRY-0002: the batch total (Btch/TtlAmt) is 3600.00 NOK, "
        "but the transactions add up to 1401.00 NOK."
    ):
        parse_camt054(document)
    document = changed(document, ">3600.00<", ">1401.00<", count=2)
    batch = parse_camt054(document).notifications[0].entries[1]
    assert [t.amount_ore for t in batch.transactions] == [100000, 150050, -109950]


@pytest.mark.parametrize(
    "amount, message",
    [
        ("1250.005", "Entry NTRY-0001: the amount 1250.005 has more than 2 decimals."),
        ("-1250.00", "Entry NTRY-0001: the amount '-1250.00' is not a positive decimal number."),
        ("0.00", "Entry NTRY-0001: the amount is zero."),
        ("1 250,00", "Entry NTRY-0001: the amount '1 250,00' is not a positive decimal number."),
        ("1e3", "Entry NTRY-0001: the amount '1e3' is not a positive decimal number."),
        ("", "Entry NTRY-0001: the amount '' is not a positive decimal number."),
    ],
)
def test_it_refuses_bad_entry_amounts(amount, message):
    document = changed(V08, '<Amt Ccy="NOK">1250.00</Amt>', f'<Amt Ccy="NOK">{amount}</Amt>')
    with refused(message):
        parse_camt054(document)


def test_it_refuses_bad_transaction_amounts():
    document = changed(V08, '<Amt Ccy="NOK">1500.50</Amt>', '<Amt Ccy="NOK">1500.505</Amt>')
    with refused("Entry NTRY-0002, transaction 2: the amount 1500.505 has more than 2 decimals."):
        parse_camt054(document)


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            '<Amt Ccy="NOK">1250.00</Amt>',
            "<Amt>1250.00</Amt>",
            "Entry NTRY-0001: the amount has no valid currency (Ccy='').",
        ),
        (
            "<CdtDbtInd>DBIT</CdtDbtInd>\n        <RvslInd>",
            "<CdtDbtInd>DEBIT</CdtDbtInd>\n        <RvslInd>",
            "Entry NTRY-0003: CdtDbtInd must be CRDT or DBIT, not 'DEBIT'.",
        ),
        (
            "<RvslInd>true</RvslInd>",
            "<RvslInd>yes</RvslInd>",
            "Entry NTRY-0003: RvslInd must be true or false, not 'yes'.",
        ),
        (
            "<Sts>\n          <Cd>PDNG</Cd>\n        </Sts>",
            "",
            "Entry NTRY-0004 has no status (Sts).",
        ),
        (
            "<Dt>2025-03-17</Dt>",
            "<Dt>2025-02-30</Dt>",
            "Entry NTRY-0004: ValDt/Dt '2025-02-30' is not a valid date.",
        ),
        (
            "<Dt>2025-03-17</Dt>",
            "<Dt>17.03.2025</Dt>",
            "Entry NTRY-0004: ValDt/Dt '17.03.2025' is not a date.",
        ),
        (
            "<DtTm>2025-03-14T00:30:00+01:00</DtTm>",
            "<DtTm>2025-03-14 00:30</DtTm>",
            "Entry NTRY-0002: BookgDt/DtTm '2025-03-14 00:30' is not an ISO date and time.",
        ),
        (
            "<CreDtTm>2025-03-14T06:15:00+01:00</CreDtTm>",
            "<CreDtTm>2025-03-14T24:15:00+01:00</CreDtTm>",
            "The group header's CreDtTm '2025-03-14T24:15:00+01:00' is not a valid date and time.",
        ),
        (
            "<MsgId>BANK-054-20250314-0001</MsgId>",
            "<MsgId> </MsgId>",
            "The group header has no MsgId.",
        ),
        (
            "<IBAN>NO9386011117947</IBAN>",
            "",
            "Notification NTF-20250314-01 has no account number (Acct/Id/IBAN or Acct/Id/Othr/Id).",
        ),
        (
            "<Ccy>NOK</Ccy>",
            "<Ccy>kroner</Ccy>",
            "Notification NTF-20250314-01: the account currency 'kroner' is not valid.",
        ),
        (
            '<Amt Ccy="NOK">1250.00</Amt>\n        <CdtDbtInd>CRDT</CdtDbtInd>',
            "<CdtDbtInd>CRDT</CdtDbtInd>",
            "Entry NTRY-0001 has no amount (Amt).",
        ),
    ],
)
def test_it_refuses_missing_or_malformed_fields(old, new, message):
    with refused(message):
        parse_camt054(changed(V08, old, new))


def test_it_names_an_entry_without_references_by_its_position():
    document = changed(V08, "<AcctSvcrRef>NTRY-0006</AcctSvcrRef>", "")
    document = changed(document, '<Amt Ccy="NOK">750.00</Amt>', '<Amt Ccy="NOK">75.00</Amt>')
    with refused(
        "Entry number 6 in notification NTF-20250314-01: the transaction is 750.00 NOK, "
        "but the entry amount is 75.00 NOK."
    ):
        parse_camt054(document)


def test_it_refuses_a_document_without_notifications():
    document = re.sub(rb"<Ntfctn>.*</Ntfctn>", b"", V08, flags=re.S)
    with refused("The document contains no notification (Ntfctn)."):
        parse_camt054(document)


# Files that are not camt.054, or not safe


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>&lol9;</MsgId></GrpHdr></BkToCstmrDbtCdtNtfctn>
</Document>
"""
DOCTYPE_REFUSED = (
    "The file contains a DOCTYPE declaration; camt.054 files have none, and files with one "
    "are refused for safety (entity expansion, external entities)."
)


def xxe_document(path: Path) -> bytes:
    text = V08.decode().replace(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">',
        f'<!DOCTYPE Document [<!ENTITY secret SYSTEM "file://{path}">]>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">',
    )
    return text.replace("<Ustrd>Faktura 10042 mars</Ustrd>", "<Ustrd>&secret;</Ustrd>").encode()


def test_it_refuses_a_billion_laughs():
    with refused(DOCTYPE_REFUSED):
        parse_camt054(BILLION_LAUGHS)


def test_it_refuses_an_external_entity_without_reading_it(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-XXE")
    with refused(DOCTYPE_REFUSED) as refusal:
        parse_camt054(xxe_document(secret))
    assert "TOP-SECRET" not in str(refusal.value)


def in_encoding(document: bytes, codec: str) -> bytes:
    text = document.decode().replace('encoding="UTF-8"', f'encoding="{codec.upper()}"')
    if not text.startswith("<?xml"):
        text = f'<?xml version="1.0" encoding="{codec.upper()}"?>' + text.split("?>", 1)[-1]
    return text.encode(codec)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_it_refuses_a_doctype_in_other_encodings(codec, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-XXE")
    document = in_encoding(xxe_document(secret), codec)
    assert b"<!DOCTYPE" not in document
    # UTF-16 is caught before parsing; UTF-32 after a parse that resolved nothing.
    with refused(DOCTYPE_REFUSED) as refusal:
        parse_camt054(document)
    assert "TOP-SECRET" not in str(refusal.value)


def test_it_refuses_a_billion_laughs_in_utf16():
    with refused(DOCTYPE_REFUSED):
        parse_camt054(in_encoding(BILLION_LAUGHS, "utf-16"))


def test_it_refuses_an_external_dtd():
    document = changed(
        V08,
        "<Document ",
        '<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/camt.dtd">\n<Document ',
    )
    with refused(DOCTYPE_REFUSED):
        parse_camt054(document)


CAMT053 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt><GrpHdr><MsgId>S1</MsgId><CreDtTm>2025-03-14T06:15:00</CreDtTm></GrpHdr>
  </BkToCstmrStmt>
</Document>
"""


@pytest.mark.parametrize(
    "document, message",
    [
        (
            CAMT053,
            "This document is camt.053.001.02 (a bank-to-customer statement), "
            "not a camt.054 debit/credit notification.",
        ),
        (
            CAMT053.replace(b"camt.053.001.02", b"pain.001.001.09"),
            "This document is pain.001.001.09 (a customer credit transfer initiation), "
            "not a camt.054 debit/credit notification.",
        ),
        (
            CAMT053.replace(b"camt.053.001.02", b"acmt.001.001.08"),
            "This document is acmt.001.001.08, not a camt.054 debit/credit notification.",
        ),
        (
            b"<invoices><invoice>1</invoice></invoices>",
            "This is not an ISO 20022 document: its root element is <invoices> in no namespace.",
        ),
        (
            b'<Document xmlns="urn:example:other"/>',
            "This is not an ISO 20022 document: its root element is <Document> in namespace "
            "'urn:example:other'.",
        ),
        (
            V08.replace(b"camt.054.001.08", b"camt.054.001.99"),
            "camt.054 version 001.99 is not supported; "
            "the supported versions are 001.02, 001.04, 001.08.",
        ),
        (
            b'<Dokument xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>',
            "The root element is <Dokument>, not <Document>.",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><X/></Document>',
            "The document has no BkToCstmrDbtCdtNtfctn element.",
        ),
        (b"", "The file is empty."),
        (b" \n\t", "The file is empty."),
        (
            b"NY000010000080800170031000001000000000000000000000000000000000000000000000000000\n",
            "This looks like a Nets OCR giro file, not a camt.054 XML document.",
        ),
    ],
)
def test_it_refuses_what_is_not_camt054(document, message):
    with refused(message):
        parse_camt054(document)


@pytest.mark.parametrize(
    "document",
    [
        V08[: len(V08) // 2],
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3",
        b"Dato;Bel\xf8p;KID\n13.03.2025;1250,00;000123400100426\n",
        b"<a>&undefined;</a>",
        b'<?xml version="1.0" encoding="no-such-encoding"?><a/>',
        b"\xff\xfe\x00\x00garbage",
    ],
)
def test_it_refuses_what_is_not_well_formed_xml(document):
    with pytest.raises(Camt054Error, match="^The file is not well-formed XML: "):
        parse_camt054(document)


def test_it_refuses_text_instead_of_bytes():
    with refused("Expected the file's bytes, not str."):
        parse_camt054(V08.decode())


def test_it_reads_bytearray_and_memoryview():
    assert parse_camt054(bytearray(V08)) == parse_camt054(memoryview(V08)) == expected("001.08")


# Writing


@pytest.mark.parametrize("version", VERSIONS)
def test_written_samples_read_back_the_same_in_every_version(version):
    notification = expected("001.02")
    written = write_camt054(notification, version)
    assert f"urn:iso:std:iso:20022:tech:xsd:camt.054.{version}".encode() in written
    assert parse_camt054(written) == replace(notification, version=version)


def test_it_writes_version_specific_elements():
    v08 = write_camt054(expected("001.08"))
    v02 = write_camt054(expected("001.02"))
    assert b"<Cd>BOOK</Cd>" in v08 and b"<Sts>BOOK</Sts>" in v02
    assert b"<Pty>" in v08 and b"<Pty>" not in v02
    assert b"<TxAmt>" in v02
    assert b"<NbOfTxs>3</NbOfTxs>" in v02


def test_the_writer_refuses_what_a_version_cannot_say():
    with pytest.raises(ValueError, match=r"^camt\.054\.001\.02 has no UETR\.$"):
        write_camt054(expected("001.08"), "001.02")
    notification = expected("001.02")
    batch = notification.notifications[0].entries[1]
    mixed = replace(
        batch,
        transactions=(batch.transactions[0], replace(batch.transactions[1], credit_debit="DBIT")),
    )
    account = replace(notification.notifications[0], entries=(mixed,), skipped=())
    with pytest.raises(ValueError, match="cannot give a transaction its own direction"):
        write_camt054(replace(notification, notifications=(account,)))
    with pytest.raises(ValueError, match="Cannot write camt.054 version '001.05'"):
        write_camt054(notification, "001.05")


# Property tests

XML_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn")), min_size=1, max_size=12
).filter(lambda text: text == text.strip(" ") and text != "")
REFERENCE = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/", min_size=1, max_size=35)
AMOUNTS = st.integers(1, 10**11).map(lambda ore: Decimal(ore).scaleb(-2))
UETR = st.uuids(version=4).map(str)
OFFSETS = st.one_of(
    st.none(), st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
)
DATETIMES = st.builds(
    lambda moment, offset: moment.replace(tzinfo=offset),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    OFFSETS,
)


def optional(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def transactions(draw, version, currency, credit_debit):
    direction = credit_debit if version == "001.02" else draw(st.sampled_from(["CRDT", "DBIT"]))
    return Camt054Transaction(
        amount=draw(AMOUNTS),
        currency=currency,
        credit_debit=direction,
        end_to_end_id=draw(optional(REFERENCE)),
        account_servicer_reference=draw(optional(REFERENCE)),
        transaction_id=draw(optional(REFERENCE)),
        instruction_id=draw(optional(REFERENCE)),
        uetr=draw(optional(UETR)) if version == "001.08" else None,
        debtor_name=draw(optional(XML_TEXT)),
        debtor_account=draw(optional(st.sampled_from(["NO8330001234567", "12345678903"]))),
        creditor_references=tuple(
            draw(
                st.lists(
                    st.builds(
                        CreditorReference,
                        optional(st.sampled_from(["SCOR", "RADM", "QRR", "ISR Reference"])),
                        st.one_of(st.from_regex(r"[0-9]{2,24}[0-9-]", fullmatch=True), REFERENCE),
                    ),
                    max_size=3,
                )
            )
        ),
        remittance_texts=tuple(draw(st.lists(XML_TEXT, max_size=3))),
    )


@st.composite
def entries(draw, version):
    currency = draw(st.sampled_from(["NOK", "EUR", "SEK"]))
    credit_debit = draw(st.sampled_from(["CRDT", "DBIT"]))
    payments = draw(st.lists(transactions(version, currency, credit_debit), min_size=1, max_size=4))
    total = sum(payment.amount_ore for payment in payments)
    assume(total != 0)
    return Camt054Entry(
        amount=Decimal(abs(total)).scaleb(-2),
        currency=currency,
        credit_debit="DBIT" if total < 0 else "CRDT",
        status=draw(st.sampled_from(["BOOK", "BOOK", "PDNG", "INFO"])),
        transactions=tuple(payments),
        reversal=draw(st.booleans()),
        booking_date=draw(optional(st.dates())),
        value_date=draw(optional(st.dates())),
        account_servicer_reference=draw(optional(REFERENCE)),
        entry_reference=draw(optional(REFERENCE)),
        bank_transaction_code=draw(
            optional(st.one_of(st.sampled_from(["PMNT/RCDT/ESCT", "PMNT/RCDT/RRTN"]), REFERENCE))
        ),
        additional_info=draw(optional(XML_TEXT)),
    )


@st.composite
def account_notifications(draw, version):
    all_entries = draw(st.lists(entries(version), max_size=4))
    iban = draw(st.booleans())
    return Camt054AccountNotification(
        id=draw(REFERENCE),
        account_iban="NO9386011117947" if iban else None,
        account_other_id=None if iban else draw(REFERENCE),
        currency=draw(optional(st.sampled_from(["NOK", "EUR"]))),
        created_at=draw(optional(DATETIMES)),
        entries=tuple(e for e in all_entries if skip_reason(e) is None),
        skipped=tuple(SkippedEntry(e, skip_reason(e)) for e in all_entries if skip_reason(e)),
    )


@st.composite
def notifications(draw):
    version = draw(st.sampled_from(VERSIONS))
    return Camt054Notification(
        message_id=draw(REFERENCE),
        created_at=draw(DATETIMES),
        version=version,
        notifications=tuple(draw(st.lists(account_notifications(version), min_size=1, max_size=3))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notifications())
def test_generated_notifications_survive_write_and_parse(notification):
    assert parse_camt054(write_camt054(notification)) == notification


def parses_or_refuses(document: bytes) -> None:
    try:
        notification = parse_camt054(document)
    except Camt054Error:
        return
    for account in notification.notifications:
        for entry in account.entries + tuple(s.entry for s in account.skipped):
            assert sum(t.amount_ore for t in entry.transactions) == entry.amount_ore
            assert all(t.currency == entry.currency for t in entry.transactions)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_camt054_error(document):
    parses_or_refuses(document)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(list(FIXTURES.values())), st.data())
def test_byte_mutations_only_raise_camt054_error(document, data):
    mutated = bytearray(document)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(mutated) - 1))
        operation = data.draw(st.sampled_from(["flip", "delete", "insert", "duplicate"]))
        if operation == "flip":
            mutated[position] = data.draw(st.integers(0, 255))
        elif operation == "delete":
            del mutated[position : position + data.draw(st.integers(1, 40))]
        elif operation == "insert":
            mutated[position:position] = data.draw(st.binary(min_size=1, max_size=10))
        else:
            mutated[position:position] = mutated[
                position : position + data.draw(st.integers(1, 80))
            ]
    parses_or_refuses(bytes(mutated))


ODD_TEXTS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1.005",
            "1.5",
            "9" * 30,
            "CRDT",
            "DBIT",
            "BOOK",
            "PDNG",
            "true",
            "2025-02-30",
            "2025-03-14T25:00:00",
            "2025-03-14T00:00:00.123456789Z",
            "NaN",
            "Infinity",
            "١٢٣",
            "1e5",
            "SCOR",
            "3",
        ]
    ),
    st.text(max_size=20).map(lambda text: "".join(c for c in text if c.isprintable())),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(list(FIXTURES.values())), st.data())
def test_tree_mutations_only_raise_camt054_error(document, data):
    root = etree.fromstring(document)
    for _ in range(data.draw(st.integers(1, 3))):
        elements = list(root.iter(etree.Element))
        element = data.draw(st.sampled_from(elements))
        operation = data.draw(st.sampled_from(["remove", "text", "duplicate", "move", "currency"]))
        parent = element.getparent()
        if operation == "remove" and parent is not None:
            parent.remove(element)
        elif operation == "text" and len(element) == 0:
            element.text = data.draw(ODD_TEXTS)
        elif operation == "duplicate" and parent is not None:
            parent.insert(parent.index(element), etree.fromstring(etree.tostring(element)))
        elif operation == "move" and parent is not None:
            target = data.draw(st.sampled_from(elements))
            if element not in target.iterancestors() and element is not target:
                target.append(element)
        elif operation == "currency":
            element.set("Ccy", data.draw(st.sampled_from(["NOK", "EUR", "", "nok", "NOKK"])))
    parses_or_refuses(etree.tostring(root))


# Summaries and limits (issue 9)


def with_summary(document: bytes, summary: str) -> bytes:
    """The document with `summary` as the first notification's TxsSummry (after Acct)."""
    return changed(document, "</Acct>", f"</Acct><TxsSummry>{summary}</TxsSummry>")


# The first notification of V08: 7 entries (one pending), 6 credits of 8112.34 and one debit
# of 1000.00.
V08_SUMMARY = (
    "<TtlNtries><NbOfNtries>7</NbOfNtries><Sum>9112.34</Sum>"
    "<TtlNetNtry><Amt>7112.34</Amt><CdtDbtInd>CRDT</CdtDbtInd></TtlNetNtry></TtlNtries>"
    "<TtlCdtNtries><NbOfNtries>6</NbOfNtries><Sum>8112.340</Sum></TtlCdtNtries>"
    "<TtlDbtNtries><NbOfNtries>1</NbOfNtries><Sum>1000</Sum></TtlDbtNtries>"
)


def test_it_accepts_a_transaction_summary_that_agrees_with_the_entries():
    document = parse_camt054(with_summary(V08, V08_SUMMARY))
    assert len(document.notifications[0].entries) == 6


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "<NbOfNtries>7<",
            "<NbOfNtries>8<",
            "Notification NTF-20250314-01: TxsSummry/TtlNtries says 8, but 7 are listed.",
        ),
        (
            "<Sum>9112.34<",
            "<Sum>9112.35<",
            "Notification NTF-20250314-01: TxsSummry/TtlNtries says the sum is 9112.35, but the "
            "amounts add up to 9112.34.",
        ),
        (
            "<Amt>7112.34</Amt><CdtDbtInd>CRDT",
            "<Amt>7112.34</Amt><CdtDbtInd>DBIT",
            "Notification NTF-20250314-01: TxsSummry/TtlNtries/TtlNetNtry says the net amount is "
            "-7112.34, but the entries add up to 7112.34.",
        ),
        (
            "<NbOfNtries>6<",
            "<NbOfNtries>5<",
            "Notification NTF-20250314-01: TxsSummry/TtlCdtNtries says 5, but 6 are listed.",
        ),
        (
            "<Sum>1000<",
            "<Sum>999.99<",
            "Notification NTF-20250314-01: TxsSummry/TtlDbtNtries says the sum is 999.99, but the "
            "amounts add up to 1000.00.",
        ),
        (
            "<NbOfNtries>1<",
            "<NbOfNtries>one<",
            "Notification NTF-20250314-01: TxsSummry/TtlDbtNtries: the number 'one' is not a "
            "number.",
        ),
    ],
)
def test_it_refuses_a_transaction_summary_that_disagrees(old, new, message):
    with refused(message):
        parse_camt054(changed(with_summary(V08, V08_SUMMARY), old, new))


def test_it_reads_the_net_amount_of_a_001_02_summary():
    summary = "<TtlNtries><NbOfNtries>1</NbOfNtries><TtlNetNtryAmt>5</TtlNetNtryAmt>"
    summary += "<CdtDbtInd>DBIT</CdtDbtInd></TtlNtries>"
    document = with_summary(FIXTURES["001.02"], summary)
    with pytest.raises(Camt054Error, match="TtlNtries says 1, but .* are listed"):
        parse_camt054(document)


def test_it_checks_a_count_and_control_sum_in_the_group_header():
    header = "</CreDtTm>\n    </GrpHdr>"
    total = sum(
        t.amount
        for n in parse_camt054(V08).notifications
        for e in (*n.entries, *(s.entry for s in n.skipped))
        for t in e.transactions
    )
    right = changed(
        V08, header, f"</CreDtTm><NbOfTxs>9</NbOfTxs><CtrlSum>{total}</CtrlSum></GrpHdr>"
    )
    assert parse_camt054(right).message_id == "BANK-054-20250314-0001"
    with refused("The group header says 10, but 9 are listed."):
        parse_camt054(changed(right, "<NbOfTxs>9<", "<NbOfTxs>10<"))
    with refused(f"The group header says the sum is 1.00, but the amounts add up to {total}."):
        parse_camt054(changed(right, f"<CtrlSum>{total}<", "<CtrlSum>1.00<"))


@pytest.mark.parametrize("amount", ["10000000000.01", "99999999999999999.99"])
def test_it_refuses_an_amount_above_the_limit_on_amounts(amount):
    # The second is beyond a 64-bit integer of øre: it must never reach the database.
    document = changed(V08, '<Amt Ccy="NOK">1250.00</Amt>', f'<Amt Ccy="NOK">{amount}</Amt>')
    with refused(
        f"Entry NTRY-0001: the amount {amount} is more than the largest amount accepted, "
        "10000000000.00."
    ):
        parse_camt054(document)
