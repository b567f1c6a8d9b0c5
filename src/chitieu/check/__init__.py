"""Checks: findings as data, validation rules, outliers, completeness."""

from chitieu.check.runner import validate_period, validate_values

__all__ = ["validate_period", "validate_values"]
