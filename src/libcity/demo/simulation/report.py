"""The simulation's figures as a table, JSON and an SVG chart (no plotting library)."""

from __future__ import annotations

from html import escape

COLUMNS = (
    ("run", "run"), ("loans", "loans"), ("holds_placed", "holds"),
    ("hold_wait_mean_days", "wait mean (d)"), ("hold_wait_p90_days", "wait p90 (d)"),
    ("holds_still_waiting", "still waiting"), ("still_waiting_mean_age_days", "their age (d)"),
    ("transits_per_1000_loans", "transits/1000 loans"), ("passed_on", "passed on"),
    ("van_km", "van km"), ("van_km_one_trip_per_stop", "km one trip/stop"),
    ("rebalance_moves", "rebalanced"),
)  # fmt: skip


def run_name(figures: dict) -> str:
    name = f"{figures['policy']}{' + rebalancing' if figures['rebalance'] else ''}"
    if figures.get("pass_on_share"):
        name += f" + passing on ({figures['pass_on_share']:.0%})"
    return name


def table(runs: list[dict]) -> str:
    """A Markdown table of the runs."""
    rows = [[run_name(r) if key == "run" else str(r[key]) for key, _l in COLUMNS] for r in runs]
    head = "| " + " | ".join(label for _k, label in COLUMNS) + " |"
    rule = "|" + "|".join("---" for _c in COLUMNS) + "|"
    return "\n".join([head, rule, *("| " + " | ".join(row) + " |" for row in rows)])


def chart(runs: list[dict], title: str) -> str:
    """Bars per run: mean and p90 hold wait (days, left) and transits per 1,000 loans
    (right), as an SVG document."""
    bar, gap, top, height = 26, 102, 60, 220
    width = 40 + len(runs) * (3 * bar + gap)
    most_wait = max([*(r["hold_wait_p90_days"] or 0 for r in runs),
                     *(r["hold_wait_mean_days"] or 0 for r in runs), 1])  # fmt: skip
    most_transits = max([*(r["transits_per_1000_loans"] for r in runs), 1])
    total = top + height + 90
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total}" '
             'font-family="sans-serif" font-size="12">',
             f'<text x="10" y="20" font-size="15" font-weight="bold">{escape(title)}</text>',
             '<text x="10" y="40">hold wait, days (mean dark, p90 light) · transits per 1,000 '
             'loans (orange)</text>']  # fmt: skip
    for number, run in enumerate(runs):
        x = 40 + number * (3 * bar + gap)
        bars = [(run["hold_wait_mean_days"] or 0, most_wait, "#1f4e79"),
                (run["hold_wait_p90_days"] or 0, most_wait, "#8fb3d9"),
                (run["transits_per_1000_loans"], most_transits, "#e08a1e")]  # fmt: skip
        for offset, (value, most, colour) in enumerate(bars):
            tall = height * value / most
            left, upper = x + offset * bar, top + height - tall
            parts.append(f'<rect x="{left}" y="{upper:.1f}" width="{bar - 4}" '
                         f'height="{tall:.1f}" fill="{colour}"/>')  # fmt: skip
            parts.append(f'<text x="{left}" y="{upper - 4:.1f}">{value}</text>')
        label = escape(run_name(run))
        parts.append(f'<text x="{x}" y="{top + height + 18}">{label}</text>')
    parts.append(f'<line x1="30" y1="{top + height}" x2="{width - 10}" y2="{top + height}" '
                 'stroke="#444"/></svg>')  # fmt: skip
    return "\n".join(parts) + "\n"
