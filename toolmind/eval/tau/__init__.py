"""toolmind.eval.tau."""
