"""Totals of an offer, computed as invoices compute them (`kunde.lib.vat`): a line's net is
quantity × price less its discount, rounded to øre; VAT per category and rate on the sum."""

from dataclasses import dataclass, field

from kunde.lib.vat import DocumentTotals, document_totals


@dataclass
class Section:
    title: str
    lines: list = field(default_factory=list)

    @property
    def net_ore(self) -> int:
        """The section's lines that are not optional."""
        return sum(line.net_ore for line in self.lines if not line.optional)

    @property
    def optional_net_ore(self) -> int:
        return sum(line.net_ore for line in self.lines if line.optional)


def sections(lines) -> list[Section]:
    """Lines grouped by their section title, in order; consecutive lines share a section."""
    result: list[Section] = []
    for line in lines:
        if not result or result[-1].title != line.section:
            result.append(Section(line.section))
        result[-1].lines.append(line)
    return result


def offer_totals(lines, *, chosen_only: bool = False) -> DocumentTotals:
    """Totals of the lines that are not optional; with `chosen_only`, of the lines the
    customer accepted (not optional, or optional and chosen)."""
    counted = [
        (line.net_ore, line.vat_category, line.vat_rate)
        for line in lines
        if not line.optional or (chosen_only and line.chosen)
    ]
    return document_totals(counted)
