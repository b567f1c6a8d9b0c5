"""chitieu: sector statistics and performance reviews (chỉ tiêu: indicator, target)."""

__version__ = "0.1.0"
