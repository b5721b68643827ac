"""toolmind.train."""
