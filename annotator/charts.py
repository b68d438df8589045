"""The geometry of the agreement charts, drawn as server-side SVG by the templates.

Pure functions from figures to shapes (positions, colours, labels, links). No script
draws anything, so the charts work under the strict Content-Security-Policy (SVG
presentation attributes are not inline styles) and print as they look. Every coloured
cell also carries its number, so colour is never the only signal.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

FONT = 13  # px in the viewBox
CHAR = 7.4  # a rough width of one character at FONT, for laying out labels
NEUTRAL = "#f3f4f6"
POSITIVE = "#1d4ed8"
NEGATIVE = "#b42318"
AGREE = "#15803d"
DISAGREE = "#9a3412"
INK = "#111827"

# Krippendorff's reading of α (Content Analysis, 2004, p. 241).
RELIABLE, TENTATIVE = 0.8, 0.667


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def mix(low: str, high: str, share: float) -> str:
    """The colour `share` (0..1) of the way from `low` to `high`."""
    share = max(0.0, min(1.0, share))
    a, b = _rgb(low), _rgb(high)
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def ink_on(colour: str) -> str:
    """Black or white text, whichever reads better on `colour`."""
    r, g, b = (c / 255 for c in _rgb(colour))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return INK if luminance > 0.5 else "#ffffff"


def verdict(value: float | None) -> str:
    """Krippendorff's words for an α: reliable, tentative or low."""
    if value is None:
        return ""
    if value >= RELIABLE:
        return "reliable"
    if value >= TENTATIVE:
        return "tentative"
    return "low"


def number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}".replace("-", "−")


# Coordinates are whole units of the viewBox (hundreds wide): exact enough to look
# right, and integers print the same in every locale, unlike floats in templates.


@dataclass
class Cell:
    x: int
    y: int
    w: int
    h: int
    fill: str
    href: str
    title: str
    text: str = ""
    text_fill: str = INK
    outline: bool = False
    cx: int = 0
    cy: int = 0

    def __post_init__(self):
        self.x, self.y, self.w, self.h = round(self.x), round(self.y), round(self.w), round(self.h)
        self.cx = round(self.x + self.w / 2)
        self.cy = round(self.y + self.h / 2 + FONT * 0.35)


@dataclass
class Label:
    x: int
    y: int
    text: str
    anchor: str = "end"
    rotate: bool = False

    def __post_init__(self):
        self.x, self.y = round(self.x), round(self.y)


@dataclass
class Chart:
    width: int
    height: int
    cells: list[Cell] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    rows: list = field(default_factory=list)


def gauge(value: float | None, width: float = 240) -> Chart:
    """A scale from -1 to 1 with bands for low, tentative and reliable, and a marker."""
    chart = Chart(width=width, height=34)

    def at(v: float) -> float:
        return 6 + (v + 1) / 2 * (width - 12)

    for low, high, colour, name in (
        (-1.0, TENTATIVE, "#fee4e2", "low"),
        (TENTATIVE, RELIABLE, "#fef0c7", "tentative"),
        (RELIABLE, 1.0, "#d1fadf", "reliable"),
    ):
        chart.cells.append(Cell(at(low), 8, at(high) - at(low), 10, colour, "", name))
    for v, anchor in ((-1, "start"), (0, "middle"), (1, "end")):
        x = {"start": 0, "middle": at(0), "end": width}[anchor]
        chart.labels.append(Label(x, 31, "−1" if v < 0 else str(v), anchor=anchor))
    if value is not None:
        chart.rows.append({"x": round(at(max(-1.0, min(1.0, value)))), "value": number(value)})
    chart.width = round(chart.width)
    return chart


def tag_mix(
    annotators: list[str],
    tags: list,
    counts: dict[str, dict[str, int]],
    href: Callable[[str, str], str],
) -> Chart:
    """One 100% bar per annotator, a segment per tag (its colour and letter), and the
    counts written beside it."""
    label_w = max([len(a) for a in annotators] + [6]) * CHAR + 16
    bar_w, row_h, gap = 380, 26, 12
    counts_w = sum(len(t.label) for t in tags) * CHAR + 70
    chart = Chart(width=label_w + bar_w + counts_w + 20, height=len(annotators) * (row_h + gap) + 8)
    for i, name in enumerate(annotators):
        y = 4 + i * (row_h + gap)
        total = sum(counts[name].values())
        chart.labels.append(Label(label_w - 10, y + row_h / 2 + FONT * 0.35, name))
        done = 0
        parts = []
        for tag in tags:
            n = counts[name].get(tag.key, 0)
            parts.append(f"{tag.key[0].upper()} {n}")
            if not n:
                continue
            # Edges rounded from the running total, so the segments meet exactly.
            x = label_w + round(bar_w * done / total)
            done += n
            w = label_w + round(bar_w * done / total) - x
            share = round(100 * n / total)
            text = (
                f"{tag.key[0].upper()} {n}" if w >= 44 else (tag.key[0].upper() if w >= 14 else "")
            )
            chart.cells.append(
                Cell(
                    x, y, w, row_h, tag.colour, href(name, tag.key),
                    f"{name}: {n} {tag.label} ({share}%) — the disagreements with them",
                    text, ink_on(tag.colour),
                )
            )  # fmt: skip
        chart.rows.append(
            {
                "x": round(label_w + bar_w + 12),
                "y": round(y + row_h / 2 + FONT * 0.35),
                "text": " · ".join(parts),
                "total": total,
            }
        )
    chart.width, chart.height = round(chart.width), round(chart.height)
    return chart


def kappa_colour(value: float | None) -> str:
    if value is None:
        return "#ffffff"
    return mix(NEUTRAL, POSITIVE, value) if value >= 0 else mix(NEUTRAL, NEGATIVE, -value)


def heatmap(
    annotators: list[str],
    kappa: dict[tuple[str, str], object],
    words: dict[tuple[str, str], int],
    disagreements: dict[tuple[str, str], int],
    href: Callable[[str, str], str],
) -> Chart:
    """Pairwise κ as a square grid: a cell per pair (both halves), the value written in
    it, coloured from red (below chance) through grey (chance) to blue (perfect)."""
    label_w = max([len(a) for a in annotators] + [4]) * CHAR + 14
    size = 56
    top = label_w * 0.72 + 8  # room for the slanted column names
    n = len(annotators)
    chart = Chart(width=label_w + n * size + 10, height=top + n * size + 10)
    for i, name in enumerate(annotators):
        chart.labels.append(Label(label_w - 8, top + i * size + size / 2 + FONT * 0.35, name))
        chart.labels.append(Label(label_w + i * size + size / 2, top - 8, name, "start", True))
    for i, a in enumerate(annotators):
        for j, b in enumerate(annotators):
            x, y = label_w + j * size, top + i * size
            if i == j:
                chart.cells.append(Cell(x, y, size, size, "#ffffff", "", f"{a} with themself", "—"))
                continue
            key = (a, b) if (a, b) in kappa else (b, a)
            figure = kappa[key]
            fill = kappa_colour(figure.value)
            title = (
                f"{a} and {b}: κ = {number(figure.value)} over {words[key]:,} words; "
                f"{disagreements[key]} disagreement{'s' if disagreements[key] != 1 else ''}"
                if figure.value is not None
                else f"{a} and {b}: not enough data ({figure.reason})"
            )
            chart.cells.append(
                Cell(x, y, size, size, fill, href(a, b), title, number(figure.value), ink_on(fill))
            )
    chart.width, chart.height = round(chart.width), round(chart.height)
    return chart


def confusion(tags: list, counts: list[list[int]], href: Callable[[str, str | None], str]) -> Chart:
    """Rows: an annotation's tag; columns: what another annotator tagged at the same
    place (or nothing). Each cell shows its count; the shade is its share of the row;
    cells on the diagonal (agreement) are green, outlined and marked ✓."""
    label_w = max(len(t.label) for t in tags) * CHAR + 20 if tags else 80
    w, h = 96, 46
    top = 30
    columns = [(t.key, t.label) for t in tags] + [(None, "No tag")]
    chart = Chart(width=label_w + len(columns) * w + 10, height=top + len(tags) * h + 10)
    for j, (_, label) in enumerate(columns):
        chart.labels.append(Label(label_w + j * w + w / 2, top - 10, label, "middle"))
    for i, tag in enumerate(tags):
        chart.labels.append(Label(label_w - 10, top + i * h + h / 2 + FONT * 0.35, tag.label))
        total = sum(counts[i]) or 1
        for j, (key, label) in enumerate(columns):
            n = counts[i][j]
            same = key == tag.key
            share = n / total
            fill = mix("#ffffff", AGREE if same else DISAGREE, share * 0.9)
            text = f"{'✓ ' if same else ''}{n}"
            what = "also" if same else "instead"
            other = f"tagged {label} {what}" if key else "tagged nothing there"
            times = f"{n} time{'s' if n != 1 else ''} ({round(100 * share)}% of {tag.label})"
            title = f"{times}: another annotator {other}"
            chart.cells.append(
                Cell(
                    label_w + j * w, top + i * h, w, h, fill, href(tag.key, key), title,
                    text, ink_on(fill), outline=same,
                )
            )  # fmt: skip
    chart.width, chart.height = round(chart.width), round(chart.height)
    return chart
