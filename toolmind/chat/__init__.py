"""toolmind.chat."""
