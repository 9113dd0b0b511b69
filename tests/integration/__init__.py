"""Integration tests: the notebooks as files, the browser, make lab and Binder (marked slow)."""
