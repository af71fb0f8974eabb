"""The network as data: the graph model, validation, shape inference and cost counts."""

from .analysis import Analysis, Problem, analyze, summary_rows
from .model import Block, Graph, Link

__all__ = ["Graph", "Block", "Link", "Analysis", "Problem", "analyze", "summary_rows"]
