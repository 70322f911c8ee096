"""Charts as inline SVG made on the server: readable without JavaScript, printable, each bar's
figure in its <title> (shown on hover and read by screen readers). The page puts the same
numbers in a table beside each chart.

Pure functions of their input: labels and already formatted texts in, markup out.
"""

from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

COLORS = ["#2f6db5", "#3aa37a", "#e0a030", "#c8553d", "#7a5bb5", "#4aa3c8", "#8a8a8a"]
WIDTH = 640
HEIGHT = 220
LEFT = 8
BOTTOM = 24


@dataclass(frozen=True)
class Bar:
    value: int  # in any unit; only proportions matter
    title: str  # the figure as text, for hover


def _attr(text: str) -> str:
    return escape(str(text), {'"': "&quot;"})


def _svg(width: int, height: int, label: str, body: list[str]) -> SafeString:
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{_attr(label)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(body)
        + "</svg>"
    )


def column_chart(
    *, label: str, groups: list[tuple[str, list[Bar]]], series: list[str], stacked=False
) -> SafeString:
    """Columns per group (a month): side by side, or stacked. Negative values are drawn from
    the zero line down."""
    if not groups:
        return mark_safe("")
    if stacked:
        highs = [sum(max(b.value, 0) for b in bars) for _, bars in groups]
        lows = [sum(min(b.value, 0) for b in bars) for _, bars in groups]
    else:
        highs = [max([b.value for b in bars] + [0]) for _, bars in groups]
        lows = [min([b.value for b in bars] + [0]) for _, bars in groups]
    top, bottom = max(highs + [1]), min(lows + [0])
    plot = HEIGHT - BOTTOM - 20
    scale = plot / (top - bottom)
    zero = 10 + top * scale
    step = (WIDTH - LEFT) / len(groups)
    body = [f'<line x1="{LEFT}" x2="{WIDTH}" y1="{zero:.1f}" y2="{zero:.1f}" class="axis"/>']
    every = max(1, len(groups) // 12)
    # Escaped once, not per bar: a month of ten employees has ten bars.
    series_texts = [escape(name) for name in series]
    for i, (name, bars) in enumerate(groups):
        x0 = LEFT + i * step
        width = step * 0.8 / (1 if stacked else max(len(bars), 1))
        width_text = f"{max(width - 1, 1):.1f}"
        name_text = escape(name)
        up, down = zero, zero
        for j, bar in enumerate(bars):
            h = abs(bar.value) * scale
            if stacked:
                x = x0 + step * 0.1
                if bar.value >= 0:
                    up -= h
                    y = up
                else:
                    y = down
                    down += h
            else:
                x = x0 + step * 0.1 + j * width
                y = zero - h if bar.value >= 0 else zero
            color = COLORS[j % len(COLORS)]
            series_text = series_texts[j] if j < len(series_texts) else ""
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width_text}" '
                f'height="{h:.1f}" fill="{color}"><title>{name_text} · '
                f"{series_text}: {escape(bar.title)}</title></rect>"
            )
        if i % every == 0:
            body.append(
                f'<text x="{x0 + step / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                f"{name_text}</text>"
            )
    return _svg(WIDTH, HEIGHT, label, body) + legend(series)


def bar_chart(*, label: str, rows: list[tuple[str, Bar]]) -> SafeString:
    """Horizontal bars, one per row (age of outstanding, margin per project), the figure
    written at the end of each bar. Negative values go left of the zero line in red."""
    if not rows:
        return mark_safe("")
    row_height = 26
    height = row_height * len(rows) + 8
    names = 170
    room = WIDTH - names - 110
    high = max([b.value for _, b in rows] + [0])
    low = min([b.value for _, b in rows] + [0])
    scale = room / ((high - low) or 1)
    zero = names + (-low) * scale
    body = [f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="0" y2="{height}" class="axis"/>']
    for i, (name, bar) in enumerate(rows):
        y = 4 + i * row_height
        w = abs(bar.value) * scale
        x = zero if bar.value >= 0 else zero - w
        color = COLORS[0] if bar.value >= 0 else COLORS[3]
        title = escape(bar.title)
        body.append(
            f'<text x="{names - 6}" y="{y + 16}" text-anchor="end">{escape(name[:28])}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{row_height - 6}" '
            f'fill="{color}"><title>{escape(name)}: {title}</title></rect>'
            f'<text x="{max(zero, x + w) + 4:.1f}" y="{y + 16}">{title}</text>'
        )
    return _svg(WIDTH, height, label, body)


def legend(series: list[str]) -> SafeString:
    items = "".join(
        f'<li><svg class="swatch" width="10" height="10" aria-hidden="true">'
        f'<rect width="10" height="10" fill="{COLORS[i % len(COLORS)]}"/></svg>'
        f"{escape(name)}</li>"
        for i, name in enumerate(series)
    )
    return mark_safe(f'<ul class="legend">{items}</ul>')
