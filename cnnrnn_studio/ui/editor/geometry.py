"""Sizes shared by the canvas, the layout and the renderers (scene units, 1 unit = 1 px at 100 %)."""

CARD_W = 176      # a block card's width; template columns are 200 apart, so links get 24 px
CARD_H = 92       # header, key parameters, output shape, weights
HEADER_H = 26
PORT_R = 6        # port circle radius
PORT_HIT_R = 14   # the grab area around a port (wider than the circle drawn)
GRID = 20         # snap step
COL_STEP = 220    # tidy layout: from one column to the next (a multiple of GRID)
ROW_STEP = 140    # tidy layout: from one row to the next (branches)
BAND_GAP = 90     # tidy layout: between wrapped bands of columns
