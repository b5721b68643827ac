"""toolmind.eval."""
