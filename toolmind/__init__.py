"""toolmind: the ToolMind method (arXiv 2511.15718) end to end."""

__version__ = "0.1.0"
