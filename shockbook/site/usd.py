"""Dollar amounts as short chart labels ($5.6M), for the costs chapters' charts."""
from __future__ import annotations

# Axis labels for dollars on log scales: d3's SI prefix writes billions as "G".
USD_LABEL = "replace(format(datum.value, '$~s'), 'G', 'B')"


def money(x: float) -> str:
    """$1.38B, $136.2M, $27.5K, $5.58: a short label for a chart cell."""
    if x >= 1e9:
        return f"${x / 1e9:,.2f}B"
    if x >= 1e6:
        return f"${x / 1e6:,.1f}M"
    if x >= 1e3:
        return f"${x / 1e3:,.1f}K"
    return f"${x:,.2f}"
