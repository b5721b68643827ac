"""toolmind.llm."""
