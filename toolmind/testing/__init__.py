"""Test helpers that ship with the package: seeded conversations and a tiny offline Qwen3 model."""
