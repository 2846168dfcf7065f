"""Pledge pages, one module per area (the app is past the size where one views.py reads well)."""
