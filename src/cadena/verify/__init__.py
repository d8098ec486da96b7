"""Verify: where and when an item was filmed (sun, shadows, places)."""
