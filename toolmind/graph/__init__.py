"""toolmind.graph."""
