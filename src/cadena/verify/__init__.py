"""Verify: establish what an item shows, where and when it was filmed, and who checked it.

Modules: `sun` (sun position), `chrono` (time from shadows), `geo` (bearings, distances, place
agreement), and the workbench's annotations and reviews.
"""
