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
GREY_ZERO = "#444"        # the zero line of a bar chart of returns
GREY_LABEL = "#333"       # labels written beside bars and points
GREY_THRESHOLD = "#666"   # a threshold a reader chose (e.g. the recovery level)
GREY_EVENT = "#999"       # dated events drawn across a line chart
GREY_BASELINE = "#bbb"    # the zero line under a line chart

# --------------------------------------------------------------------- chapter 1, the shock


# --------------------------------------------------------------------- chapters 2 and 3, costs
GREY_LABEL = "#333"       # labels printed beside marks
GREY_DARK = "#222"        # text on light heatmap cells
# chapter 2
COSTS_BUILDUP_WIDTH = WIDTH - 190      # room for the stage names on the left
COSTS_BUILDUP_ROW = 34                 # height per bar of the build-up chart
COSTS_BAR_HEIGHT = 18                  # thickness of a build-up bar
COSTS_EPOCH_WIDTH = WIDTH - 60
COSTS_EPOCH_HEIGHT = HEIGHT + 40       # the legend sits under the plot
COSTS_PRICES_WIDTH = WIDTH - 200
COSTS_PRICES_STEP = 11                 # height per tier bar
COSTS_TASK_WIDTH = WIDTH - 60
# chapter 3
SKEP_FLEETS_WIDTH = WIDTH - 250        # long fleet names on the left
SKEP_FLEETS_ROW = 40
SKEP_BUYRENT_WIDTH = WIDTH - 40
SKEP_HEAT_WIDTH = WIDTH - 200
SKEP_HEAT_BUY_HEIGHT = 170
SKEP_HEAT_RENT_HEIGHT = 200
SKEP_HEAT_SPACING = 24
SKEP_RUNFLEET_WIDTH = WIDTH - 280
SKEP_RUNFLEET_ROW = 32
# one colour per status, in the order of shockbook.data.facts.STATUSES
STATUS_COLORS = ("#0072B2", "#E69F00", "#CC79A7", "#D55E00")


# --------------------------------------------------------------------- chapter 4, response
RESP_TIMELINE_WIDTH = WIDTH - 250   # leaves room for the event labels on the left
RESP_TIMELINE_ROW = 17              # px per event
RESP_KEY_ROW = 18                   # px per row of the confidence key
RESP_CAPEX_WIDTH = WIDTH - 190
RESP_CAPEX_ROW = 44                 # px per company (two bars)
RESP_MOVES_WIDTH = WIDTH - 220      # announcement and earnings bar charts
RESP_ANNOUNCE_ROW = 70              # px per company (four bars)
RESP_EARNINGS_ROW = 46              # px per company (two bars)
RESP_PATHS_WIDTH = WIDTH - 40
RESP_RECOVERY_WIDTH = WIDTH - 200
RESP_RECOVERY_ROW = 30              # px per group


# --------------------------------------------------------------------- chapter 5, geopolitics
GEO_LINES_WIDTH = WIDTH - 100       # the long view and its event strip
GEO_STRIP_HEIGHT = 46
GEO_REACTIONS_WIDTH = WIDTH - 250
GEO_REACTIONS_ROW = 34              # px per policy step
GEO_SPECS_WIDTH = WIDTH - 260
GEO_SPECS_ROW = 56                  # px per metric (three bars)
GEO_SIDE_WIDTH = WIDTH - 190
GEO_SIDE_HEIGHT = 180               # each of the two panels
GEO_STORY_LABEL_Y = 8               # px from the top of the long view to the first story label
GEO_STORY_LABEL_STEP = 12           # px between story labels (V3, R1, 27 Jan)


# --------------------------------------------------------------------- chapter 6, the ledger
