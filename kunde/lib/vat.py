"""Line amounts and VAT totals as EN 16931 computes them, in whole øre.

A line's net amount is quantity × unit price less its discount, rounded to øre. VAT is computed
once per VAT category and rate, on the sum of the lines in it, and rounded to øre (EN 16931
BR-CO-17), never line by line.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# The Norwegian rates and the EN 16931 categories each may go with.
VAT_CATEGORIES = {
    "S": {25, 15, 12},  # standard, reduced (food), low (transport, cinema, ...)
    "Z": {0},  # zero-rated
    "E": {0},  # exempt
    "AE": {0},  # reverse charge
    "O": {0},  # outside the scope of VAT
}


def is_valid_vat(category: str, rate: int) -> bool:
    return rate in VAT_CATEGORIES.get(category, set())


def _round_ore(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_net_ore(
    quantity: Decimal, unit_price_ore: int, discount_percent: Decimal = Decimal(0)
) -> int:
    gross = Decimal(quantity) * unit_price_ore
    return _round_ore(gross * (100 - Decimal(discount_percent)) / 100)


@dataclass(frozen=True)
class VatGroupTotal:
    category: str
    rate: int
    taxable_ore: int
    vat_ore: int


@dataclass(frozen=True)
class DocumentTotals:
    groups: list[VatGroupTotal]
    net_ore: int
    vat_ore: int

    @property
    def total_ore(self) -> int:
        return self.net_ore + self.vat_ore


def document_totals(lines: list[tuple[int, str, int]]) -> DocumentTotals:
    """Totals of (net_ore, vat_category, vat_rate) lines, grouped per category and rate."""
    sums: dict[tuple[str, int], int] = {}
    for net_ore, category, rate in lines:
        sums[(category, rate)] = sums.get((category, rate), 0) + net_ore
    groups = [
        VatGroupTotal(category, rate, taxable, _round_ore(Decimal(taxable) * rate / 100))
        for (category, rate), taxable in sorted(
            sums.items(), key=lambda item: (-item[0][1], item[0][0])
        )
    ]
    return DocumentTotals(
        groups=groups,
        net_ore=sum(g.taxable_ore for g in groups),
        vat_ore=sum(g.vat_ore for g in groups),
    )
