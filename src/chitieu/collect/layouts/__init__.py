"""File layouts (issue 18 makes this the registry of layouts; the DHIS2 readers join it)."""
