"""Scripts run by the BFCL scorer environment (`.venv-bfcl`), never imported by toolmind itself."""
