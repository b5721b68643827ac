"""toolmind.eval.bfcl."""
