"""Documents: each page's text (text layer or OCR), full-text search, and quoted passages."""

# Bumped when extraction changes in a way that should re-read items already done.
EXTRACTOR_VERSION = "1"
