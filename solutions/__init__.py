"""Reference answers to the chapters' exercises, one module per chapter (chNN_slug.py)."""
