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


# --------------------------------------------------------------------- chapters 2 and 3, costs


# --------------------------------------------------------------------- chapter 4, response


# --------------------------------------------------------------------- chapter 5, geopolitics


# --------------------------------------------------------------------- chapter 6, the ledger
