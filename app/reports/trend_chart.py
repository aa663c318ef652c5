"""Small COA trend charts for the PDFs, drawn with reportlab.graphics (no Qt below the views):
one panel per test, lots in receipt order, the company's spec limits as dashed lines, points
outside them in red and the dossier's own lot ringed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from app.db.queries.dossier import SpecLimit, TrendPoint

INK = colors.HexColor("#2d3748")
MUTED = colors.HexColor("#718096")
LINE = colors.HexColor("#3182ce")
FAIL = colors.HexColor("#c53030")
MARK = colors.HexColor("#dd6b20")
FRAME = colors.HexColor("#cbd5e0")


@dataclass(frozen=True)
class TrendSeries:
    test: str
    unit: str | None
    points: list[TrendPoint]
    spec: SpecLimit | None


def series_for(points: Sequence[TrendPoint], specs: Sequence[SpecLimit], *,
               prefer: Sequence[str] = (), max_series: int = 3,
               max_points: int = 60) -> list[TrendSeries]:
    """The tests worth a panel: those named in `prefer` (the lot's own tests) first, then the
    ones with most points. Points in another unit than the spec's are left out: they cannot be
    drawn against its limits."""
    by_spec = {s.test.lower(): s for s in specs}
    grouped: dict[str, list[TrendPoint]] = {}
    for p in points:
        spec = by_spec.get(p.test.lower())
        if spec and spec.unit and p.unit and spec.unit.strip().lower() != p.unit.strip().lower():
            continue
        grouped.setdefault(p.test.lower(), []).append(p)
    wanted = [t.lower() for t in prefer]
    order = sorted(grouped, key=lambda t: (t not in wanted, wanted.index(t) if t in wanted
                                           else 0, -len(grouped[t]), t))
    result = []
    for key in order[:max_series]:
        pts = grouped[key][-max_points:]
        spec = by_spec.get(key)
        result.append(TrendSeries(pts[-1].test, (spec.unit if spec else None) or pts[-1].unit,
                                  pts, spec))
    return result


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _out_of_spec(value: Decimal, spec: SpecLimit | None) -> bool:
    if spec is None:
        return False
    return ((spec.min_value is not None and value < spec.min_value)
            or (spec.max_value is not None and value > spec.max_value))


def panel(series: TrendSeries, highlight: str | None, width: float = 55 * mm,
          height: float = 42 * mm) -> Group:
    d = Group()
    left, right, bottom, top = (float(v * mm) for v in (9, 7, 7, 7))
    pw, ph = float(width) - left - right, float(height) - bottom - top
    title = series.test + (f" ({series.unit})" if series.unit else "")
    d.add(String(0, height - 3.5 * mm, title[:40], fontName="Helvetica-Bold", fontSize=7,
                 fillColor=INK))
    values = [float(p.value) for p in series.points]
    limits = [float(v) for v in (series.spec.min_value if series.spec else None,
                                 series.spec.max_value if series.spec else None)
              if v is not None]
    lo, hi = min(values + limits), max(values + limits)
    pad = (hi - lo) * 0.12 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad

    def y(v: float) -> float:
        return bottom + (v - lo) / (hi - lo) * ph

    n = len(values)

    def x(i: int) -> float:
        return left + (pw / 2 if n == 1 else i * pw / (n - 1))

    d.add(Rect(left, bottom, pw, ph, strokeColor=FRAME, fillColor=None, strokeWidth=0.5))
    for v in sorted({min(values), max(values)}):
        d.add(String(left - 1, y(v) - 2, _fmt(v), fontName="Helvetica", fontSize=5.5,
                     fillColor=MUTED, textAnchor="end"))
    for v in limits:
        d.add(Line(left, y(v), left + pw, y(v), strokeColor=FAIL, strokeWidth=0.6,
                   strokeDashArray=[2, 1.5]))
        d.add(String(left + pw + 1, y(v) - 2, _fmt(v), fontName="Helvetica", fontSize=5.5,
                     fillColor=FAIL))
    if n > 1:
        d.add(PolyLine([c for i, v in enumerate(values) for c in (x(i), y(v))],
                       strokeColor=LINE, strokeWidth=0.7))
    for i, p in enumerate(series.points):
        bad = _out_of_spec(p.value, series.spec)
        d.add(Circle(x(i), y(values[i]), 1.1, fillColor=FAIL if bad else LINE,
                     strokeColor=None))
        if highlight and p.lot_code == highlight:
            d.add(Circle(x(i), y(values[i]), 2.6, fillColor=None, strokeColor=MARK,
                         strokeWidth=0.9))
    first, last = series.points[0].at, series.points[-1].at
    span = (f"{first:%Y-%m-%d}" if n == 1 else f"{first:%Y-%m-%d} – {last:%Y-%m-%d}")
    d.add(String(left, 1.5 * mm, f"{n} lot{'s' if n != 1 else ''}, {span}",
                 fontName="Helvetica", fontSize=5.5, fillColor=MUTED))
    return d


def trend_row(series: Sequence[TrendSeries], highlight: str | None,
              width: float = 170 * mm) -> Drawing:
    """Up to three panels side by side, as one flowable."""
    gap = 3 * mm
    each = (width - gap * 2) / 3
    row = Drawing(width, 42 * mm)
    for i, s in enumerate(series[:3]):
        p = panel(s, highlight, each)
        p.translate(i * (each + gap), 0)
        row.add(p)
    return row
