"""The canvas: a QGraphicsScene that mirrors the graph (items keyed by block id) and its view."""
