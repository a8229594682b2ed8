"""Matching offers to requests: pure scoring (fast and reference) and its data types."""
