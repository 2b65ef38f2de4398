"""Snapshots over time (DESIGN §8): the baseline, tracked runs, retention, notifications, fleets of
targets, the stores and the comparison of two snapshots."""
