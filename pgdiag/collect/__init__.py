"""Collectors: run the catalog and statistics queries and return a `Snapshot`."""

from pgdiag.collect.runner import CollectOptions, collect

__all__ = ["CollectOptions", "collect"]
