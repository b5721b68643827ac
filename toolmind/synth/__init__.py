"""toolmind.synth."""
