"""Routers of the web application, one per area."""
