"""Allocation: supply distributed over many open requests at once, optimal for an objective."""
