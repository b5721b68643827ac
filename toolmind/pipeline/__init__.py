"""toolmind.pipeline."""
