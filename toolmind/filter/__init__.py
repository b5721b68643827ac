"""toolmind.filter."""
