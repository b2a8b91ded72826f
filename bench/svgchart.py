"""Small SVG charts written with the standard library only (bench/run.py).

Two kinds of figure, enough for the bench's pictures:

- line_figure: one or more panels side by side, each with x and y axes,
  ticks, labels, one polyline (plus markers) per series and optional
  horizontal reference lines; one legend under the panels.
- bar_figure: groups of horizontal bars on a log or linear axis, each bar
  labelled with its value and an optional note, optional target marks.

The output is plain SVG 1.1 (no script, no CSS file, no fonts embedded) that
browsers and librsvg render alike. It depends only on its input: the same
data gives the same bytes, so a committed results file reproduces committed
charts. Every series' polyline carries class="series" and data-series=LABEL,
every bar class="bar" and data-bar=LABEL, so tests can find them.
"""
import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
TEXT = "#222"
GRID = "#e4e4e4"
AXIS = "#444"


@dataclass
class Series:
    """One line. points: [(x, y)]; a y of None is a point not measured (left out)."""
    label: str
    points: list
    color: str
    dash: str = ""           # SVG stroke-dasharray; "" is a solid line
    marker: str = "circle"   # circle, square, triangle, diamond
    filled: bool = True
    width: float = 2.0       # line width


@dataclass
class Rule:
    """A horizontal reference line across a panel, labelled at one end."""
    y: float
    label: str
    color: str = "#666"
    dash: str = "5 4"
    left: bool = False       # label at the left end instead of the right


@dataclass
class Panel:
    title: str
    xlabel: str
    ylabel: str
    series: list
    rules: list = field(default_factory=list)
    xlog2: bool = True       # x on a base-2 log scale (hidden sizes 32 ... 512)
    xticks: list = None      # tick values; default: every x of the series
    ylo: float = 0.0
    yhi: float = None        # default: the data and rules, plus a margin
    y2: tuple = None         # (factor, label): a right axis showing y * factor


@dataclass
class Bar:
    label: str               # legend entry (the bar's colour)
    value: float
    color: str
    note: str = ""           # printed after the value, e.g. "8.7x"


@dataclass
class Mark:
    """A short vertical tick across one group of bars (a target value)."""
    value: float
    label: str


# ---- numbers and scales --------------------------------------------------------

def fmt(v):
    """A tick or value label: short, no exponent, no trailing zeros."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 100:
        s = "%.0f" % v
    elif a >= 10:
        s = "%.1f" % v
    elif a >= 1:
        s = "%.2f" % v
    else:
        s = "%.3g" % v
    if "." in s and "e" not in s:
        s = s.rstrip("0").rstrip(".")
    return s


def nice_ticks(lo, hi, n=5):
    """About n round tick values from lo to hi inclusive (steps 1, 2, 2.5, 5 x 10^k)."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    k = first
    while k * step <= hi + 1e-9 * step:
        ticks.append(round(k * step, 10))
        k += 1
    return ticks


def log_ticks(lo, hi):
    """1, 2, 5 x 10^k from lo to hi."""
    ticks = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = m * 10.0 ** e
            if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9):
                ticks.append(v)
    return ticks


class Scale:
    """Maps data values in [lo, hi] to pixels in [p0, p1] (linear or log)."""

    def __init__(self, lo, hi, p0, p1, log=None):
        self.log = log
        self.f = (lambda v: math.log(v, log)) if log else (lambda v: v)
        self.lo, self.hi, self.p0, self.p1 = self.f(lo), self.f(hi), p0, p1

    def __call__(self, v):
        if self.hi == self.lo:
            return (self.p0 + self.p1) / 2
        return self.p0 + (self.f(v) - self.lo) / (self.hi - self.lo) * (self.p1 - self.p0)


# ---- SVG text ------------------------------------------------------------------

def n(v):
    """A coordinate: one decimal, no trailing '.0'."""
    s = "%.1f" % v
    return s[:-2] if s.endswith(".0") else s


def text_width(s, size):
    return 0.6 * size * len(s)   # close enough for DejaVu Sans at these sizes


class Svg:
    def __init__(self, width, height, title):
        self.width, self.height = width, height
        self.parts = ['<title>%s</title>' % escape(title),
                      '<rect width="100%%" height="100%%" fill="white"/>']

    def add(self, s):
        self.parts.append(s)

    def text(self, x, y, s, size=12, anchor="start", weight="normal", color=TEXT, rotate=None,
             halo=False):
        """halo: a white outline under the glyphs, for labels drawn over lines."""
        tr = ' transform="rotate(%d %s %s)"' % (rotate, n(x), n(y)) if rotate else ""
        bold = ' font-weight="bold"' if weight != "normal" else ""
        if halo:
            bold += ' stroke="white" stroke-width="3" paint-order="stroke"'
        self.add('<text x="%s" y="%s" font-size="%d" text-anchor="%s" fill="%s"%s%s>%s</text>' % (
            n(x), n(y), size, anchor, color, bold, tr, escape(s)))

    def line(self, x1, y1, x2, y2, color=AXIS, width=1, dash=""):
        d = ' stroke-dasharray="%s"' % dash if dash else ""
        self.add('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>' % (
            n(x1), n(y1), n(x2), n(y2), color, n(width), d))

    def marker(self, x, y, kind, color, filled, tooltip=None):
        fill = color if filled else "white"
        style = 'fill="%s" stroke="%s" stroke-width="1.5"' % (fill, color)
        r = 3.5
        if kind == "square":
            shape = '<rect x="%s" y="%s" width="%s" height="%s" %s' % (
                n(x - r), n(y - r), n(2 * r), n(2 * r), style)
        elif kind in ("triangle", "diamond"):
            pts = ([(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)]
                   if kind == "triangle" else
                   [(x, y - r * 1.3), (x + r * 1.1, y), (x, y + r * 1.3), (x - r * 1.1, y)])
            shape = '<polygon points="%s" %s' % (" ".join("%s,%s" % (n(a), n(b)) for a, b in pts),
                                                 style)
        else:
            shape = '<circle cx="%s" cy="%s" r="%s" %s' % (n(x), n(y), n(r), style)
        if tooltip:
            self.add(shape + '><title>%s</title></%s>' % (escape(tooltip), shape.split()[0][1:]))
        else:
            self.add(shape + "/>")

    def tostring(self):
        head = ('<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%d" height="%d" '
                'viewBox="0 0 %d %d" font-family=%s>' % (self.width, self.height, self.width,
                                                          self.height, quoteattr(FONT)))
        return "\n".join([head] + self.parts + ["</svg>"]) + "\n"


def legend_sample(svg, x, y, entry):
    """A short line with the entry's marker, then its label; returns the width used."""
    if isinstance(entry, Series):
        svg.line(x, y, x + 28, y, color=entry.color, width=entry.width, dash=entry.dash)
        svg.marker(x + 14, y, entry.marker, entry.color, entry.filled)
        label = entry.label
    else:   # (label, colour, kind): kind "box" or "tick"
        label, color, kind = entry
        if kind == "box":
            svg.add('<rect x="%s" y="%s" width="22" height="10" fill="%s"/>' % (
                n(x + 3), n(y - 5), color))
        else:
            svg.line(x + 14, y - 7, x + 14, y + 7, color=color, width=2)
    svg.text(x + 34, y + 4, label, size=12)
    return 34 + text_width(label, 12) + 18


def legend(svg, entries, top, left, width):
    """Entries in rows that fit `width`; returns the height used."""
    x, y, row_h = left, top + 10, 20
    for e in entries:
        label = e.label if isinstance(e, Series) else e[0]
        w = 34 + text_width(label, 12) + 18
        if x + w > left + width and x > left:
            x, y = left, y + row_h
        x += legend_sample(svg, x, y, e)
    return y - top + row_h


# ---- line figures --------------------------------------------------------------

MARGIN_L, MARGIN_R = 62, 58


def panel_range(p):
    ys = [y for s in p.series for _, y in s.points if y is not None] + [r.y for r in p.rules]
    hi = p.yhi if p.yhi is not None else (max(ys) * 1.08 if ys else 1.0)
    return p.ylo, hi


def draw_panel(svg, p, x0, y0, w, h):
    """One panel with its plot area at (x0, y0) size w x h."""
    xs = sorted({x for s in p.series for x, y in s.points if y is not None})
    xticks = p.xticks or xs or [1]
    xlo, xhi = min(xticks + xs), max(xticks + xs)
    pad = (xhi / xlo) ** 0.04 if p.xlog2 and xhi > xlo else 1
    sx = Scale(xlo / pad, xhi * pad, x0, x0 + w, log=2 if p.xlog2 else None) if p.xlog2 else \
        Scale(xlo - 0.04 * (xhi - xlo), xhi + 0.04 * (xhi - xlo), x0, x0 + w)
    ylo, yhi = panel_range(p)
    yt = nice_ticks(ylo, yhi)
    yhi = max(yhi, yt[-1])
    sy = Scale(ylo, yhi, y0 + h, y0)

    svg.add('<g class="panel" data-title=%s>' % quoteattr(p.title))
    svg.text(x0 + w / 2, y0 - 10, p.title, size=13, anchor="middle", weight="bold")
    for t in yt:
        svg.line(x0, sy(t), x0 + w, sy(t), color=GRID)
        svg.line(x0 - 4, sy(t), x0, sy(t))
        svg.text(x0 - 7, sy(t) + 4, fmt(t), size=11, anchor="end")
    for t in xticks:
        svg.line(sx(t), y0 + h, sx(t), y0 + h + 4)
        svg.text(sx(t), y0 + h + 17, fmt(t), size=11, anchor="middle")
    svg.add('<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="%s"/>' % (
        n(x0), n(y0), n(w), n(h), AXIS))
    svg.text(x0 + w / 2, y0 + h + 36, p.xlabel, size=12, anchor="middle")
    svg.text(x0 - 44, y0 + h / 2, p.ylabel, size=12, anchor="middle", rotate=-90)
    if p.y2:
        factor, label = p.y2
        for t in nice_ticks(ylo * factor, yhi * factor):
            if t / factor <= yhi:
                svg.line(x0 + w, sy(t / factor), x0 + w + 4, sy(t / factor))
                svg.text(x0 + w + 7, sy(t / factor) + 4, fmt(t), size=11)
        svg.text(x0 + w + 44, y0 + h / 2, label, size=12, anchor="middle", rotate=90)
    rules = [r for r in p.rules if ylo <= r.y <= yhi]
    for r in rules:
        svg.line(x0, sy(r.y), x0 + w, sy(r.y), color=r.color, width=1.5, dash=r.dash)
    for s in p.series:
        pts = [(x, y) for x, y in s.points if y is not None]
        if not pts:
            continue
        d = ' stroke-dasharray="%s"' % s.dash if s.dash else ""
        svg.add('<polyline class="series" data-series=%s points="%s" fill="none" stroke="%s" '
                'stroke-width="%s"%s/>' % (quoteattr(s.label), " ".join(
                    "%s,%s" % (n(sx(x)), n(sy(y))) for x, y in pts), s.color, n(s.width), d))
        for x, y in pts:
            svg.marker(sx(x), sy(y), s.marker, s.color, s.filled,
                       tooltip="%s: %s at %s" % (s.label, fmt(y), fmt(x)))
    for r in rules:   # labels last, over the lines
        svg.text(x0 + 4 if r.left else x0 + w - 4, sy(r.y) - 4, r.label, size=11,
                 anchor="start" if r.left else "end", color=r.color, halo=True)
    svg.add("</g>")


def line_figure(title, panels, subtitle="", panel_w=340, panel_h=260):
    """An SVG document (str): the panels side by side, one shared legend below."""
    right = MARGIN_R if any(p.y2 for p in panels) else 16
    slot = MARGIN_L + panel_w + right        # each panel with its own axis labels
    width = len(panels) * slot
    top = 64 if subtitle else 48
    entries, seen = [], set()
    for p in panels:
        for s in p.series:
            if s.label not in seen:
                seen.add(s.label)
                entries.append(s)
    # lay the legend out once to know its height
    legend_h = legend(Svg(width, 0, ""), entries, 0, MARGIN_L, width - MARGIN_L - 10)
    height = top + panel_h + 50 + legend_h + 12
    svg = Svg(width, height, title)
    svg.text(width / 2, 22, title, size=15, anchor="middle", weight="bold")
    if subtitle:
        svg.text(width / 2, 41, subtitle, size=11, anchor="middle", color="#555")
    for i, p in enumerate(panels):
        draw_panel(svg, p, i * slot + MARGIN_L, top + 12, panel_w, panel_h - 12)
    legend(svg, entries, top + panel_h + 48, MARGIN_L, width - MARGIN_L - 10)
    return svg.tostring()


# ---- bar figures ---------------------------------------------------------------

def bar_figure(title, groups, xlabel, subtitle="", log=True, unit="", marks=None,
               mark_label="", width=760):
    """Horizontal bars. groups: [(group label, [Bar])]; marks: {group label: Mark}."""
    marks = marks or {}
    bar_h, bar_gap, group_gap = 16, 4, 16
    label_w = max(text_width(g, 12) * 1.1 for g, _ in groups) + 24   # bold
    top = 64 if subtitle else 48
    value_w = max(text_width(fmt(b.value) + " " + unit + "  " + b.note, 11)
                  for _, bars in groups for b in bars) + 16
    plot_l, plot_r = label_w + 10, width - value_w
    vals = [b.value for _, bars in groups for b in bars if b.value] + \
        [m.value for m in marks.values()]
    if log:
        # from a 1-2-5 value well below the shortest bar (so that it shows) to
        # one at or above the longest
        steps = [m * 10.0 ** e for e in range(math.floor(math.log10(min(vals))) - 1,
                                              math.ceil(math.log10(max(vals))) + 1)
                 for m in (1, 2, 5)]
        lo = max(v for v in steps if v <= min(vals) / 1.6)
        hi = min(v for v in steps if v >= max(vals))
        ticks = log_ticks(lo, hi)
    else:
        ticks = nice_ticks(0, max(vals) * 1.05)
        lo, hi = 0, ticks[-1]
    sx = Scale(lo, hi, plot_l, plot_r, log=10 if log else None)
    plot_h = sum(len(bars) * (bar_h + bar_gap) - bar_gap + group_gap for _, bars in groups) \
        + group_gap
    entries, seen = [], set()
    for _, bars in groups:
        for b in bars:
            if b.label not in seen:
                seen.add(b.label)
                entries.append((b.label, b.color, "box"))
    if marks:
        entries.append((mark_label, "#000", "tick"))
    legend_h = legend(Svg(width, 0, ""), entries, 0, plot_l, width - plot_l - 10)
    height = top + plot_h + 48 + legend_h + 10
    svg = Svg(width, height, title)
    svg.text(width / 2, 22, title, size=15, anchor="middle", weight="bold")
    if subtitle:
        svg.text(width / 2, 41, subtitle, size=11, anchor="middle", color="#555")
    y0 = top
    for t in ticks:
        svg.line(sx(t), y0, sx(t), y0 + plot_h, color=GRID)
        svg.line(sx(t), y0 + plot_h, sx(t), y0 + plot_h + 4)
        svg.text(sx(t), y0 + plot_h + 17, fmt(t), size=11, anchor="middle")
    # the value axis and the bars' base line; no frame on the right, where
    # the longest bars' labels run past the axis' end
    svg.line(plot_l, y0 + plot_h, plot_r, y0 + plot_h)
    svg.line(plot_l, y0, plot_l, y0 + plot_h)
    svg.text((plot_l + plot_r) / 2, y0 + plot_h + 36, xlabel, size=12, anchor="middle")
    y = y0 + group_gap
    for g, bars in groups:
        gh = len(bars) * (bar_h + bar_gap) - bar_gap
        svg.text(plot_l - 8, y + gh / 2 + 4, g, size=12, anchor="end", weight="bold")
        mark_x = sx(marks[g].value) + 2 if g in marks else 0   # labels clear of the mark
        for b in bars:
            x1 = sx(b.value)
            svg.add('<rect class="bar" data-bar=%s x="%s" y="%s" width="%s" height="%d" '
                    'fill="%s"><title>%s</title></rect>' % (
                        quoteattr(b.label), n(plot_l), n(y), n(max(x1 - plot_l, 1)), bar_h,
                        b.color, escape("%s, %s: %s %s" % (g, b.label, fmt(b.value), unit))))
            text = fmt(b.value) + " " + unit + ("  " + b.note if b.note else "")
            svg.text(max(x1, mark_x) + 5, y + bar_h - 4, text, size=11, halo=True)
            y += bar_h + bar_gap
        if g in marks:
            m = marks[g]
            svg.line(sx(m.value), y - bar_gap - gh - 4, sx(m.value), y - bar_gap + 4,
                     color="#000", width=2)
        y += group_gap - bar_gap
    legend(svg, entries, y0 + plot_h + 46, plot_l, width - plot_l - 10)
    return svg.tostring()
