"""toolmind.data."""
