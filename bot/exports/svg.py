"""The pre/post vote chart: grouped bars as inline SVG (no scripts, no external resources)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.exports.model import StageResult
from bot.exports.text import STANCES

WIDTH, HEIGHT = 520, 240
TOP, BOTTOM, LEFT = 30, 40, 40
STAGE_COLOURS = ("#7a8aa6", "#1f5fbf", "#2e8b57", "#b5651d")


def vote_chart(stages: Sequence[StageResult]) -> str:
    """Percentages per stance, one bar per vote stage, with a legend and a text title."""
    plot_h = HEIGHT - TOP - BOTTOM
    group_w = (WIDTH - LEFT) / len(STANCES)
    bar_w = (group_w - 30) / max(1, len(stages))
    label = "; ".join(
        f"{s.stage}: " + ", ".join(f"{x} {s.percentages[x]:.1f}%" for x in STANCES) for s in stages
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(label)}">',
        f"<title>Motion votes by stage: {escape(label)}</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH}" y2="{TOP + plot_h}" stroke="#444"/>',
    ]
    for tick in (0, 50, 100):
        y = TOP + plot_h - plot_h * tick / 100
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}%</text>'
        )
    for g, stance in enumerate(STANCES):
        x0 = LEFT + g * group_w + 15
        for i, stage in enumerate(stages):
            value = stage.percentages[stance]
            h = plot_h * value / 100
            x = x0 + i * bar_w
            colour = STAGE_COLOURS[i % len(STAGE_COLOURS)]
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w - 4:.1f}" '
                f'height="{h:.1f}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{x + (bar_w - 4) / 2:.1f}" y="{TOP + plot_h - h - 4:.1f}" '
                f'text-anchor="middle" font-size="11">{value:.0f}%</text>'
            )
        parts.append(
            f'<text x="{x0 + (group_w - 30) / 2:.1f}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="middle" font-size="13">{stance}</text>'
        )
    for i, stage in enumerate(stages):
        x = LEFT + i * 110
        colour = STAGE_COLOURS[i % len(STAGE_COLOURS)]
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 16}" y="16" font-size="12">{escape(stage.stage)} '
            f"({stage.total} voters)</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
