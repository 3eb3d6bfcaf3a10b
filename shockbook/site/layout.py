"""Layout numbers of the chart theme: sizes, offsets and greys, named once.

Chapter modules take their chart sizes from here rather than typing ``WIDTH - 120`` or a grey;
what several charts share is named generally, what one chapter needs sits in its block.
"""
from __future__ import annotations

from shockbook.site.charts import HEIGHT, WIDTH  # noqa: F401  (the theme's default view)

# --------------------------------------------------------------------- shared by every chapter
GREY_TEXT = "#555"        # subtitles, annotations
GREY_RULE = "#888"        # reference rules and zero lines
GREY_LIGHT = "#e6e6e6"    # grids, bands
GREY_OTHER = "#999999"    # the "other" category

# --------------------------------------------------------------------- chapter 1, the shock
SHOCK_BAR_WIDTH = WIDTH - 60      # horizontal bar charts with a legend or labels on the left
SHOCK_LINE_WIDTH = WIDTH - 40     # line charts over time or relative days
SHOCK_MOVES_ROW = 11              # px per series in the chart of every US series' move
SHOCK_MCAP_ROW = 28               # px per company in the market-value chart
SHOCK_CAR_ROW = 15                # px per stock in the abnormal-return interval chart
SHOCK_ASIA_ROW = 14               # px per series in each panel of the Asia chart
SHOCK_ASIA_PANEL = 150            # width of each of the three Asia panels
SHOCK_INTERVAL = "#999"           # 95% interval rules
SHOCK_ZERO = "#444"
SHOCK_CONFOUNDER_ROW = 14        # px per row of confounder labels under the event-window chart               # the zero line of the interval chart, darker than a reference rule


# --------------------------------------------------------------------- chapters 2 and 3, costs


# --------------------------------------------------------------------- chapter 4, response


# --------------------------------------------------------------------- chapter 5, geopolitics


# --------------------------------------------------------------------- chapter 6, the ledger
