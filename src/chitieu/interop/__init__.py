"""Writers for other systems and tools: one Excel writer (``xlsx.py``) shared by every export,
the spreadsheet-safety of cells (``cells.py``); DHIS2, ADX, SDMX and Parquet writers join here."""
