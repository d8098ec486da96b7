"""Intake: files, folders, archives and URLs become items with their sources."""
