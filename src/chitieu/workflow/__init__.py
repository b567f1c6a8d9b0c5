"""Workflow: the domain rules of the review's work, between the store and the report."""
