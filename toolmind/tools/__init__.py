"""toolmind.tools."""
