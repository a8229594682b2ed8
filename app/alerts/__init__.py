"""Saved searches and match alerts (API.md "Saved searches and match alerts").

Alerts are computed by each worker from its in-memory matching indexes whenever its
matching feed applies a batch of changes (``engine``); a table of alerted pairs makes
sure exactly one worker emits each alert, once per (request or saved search, offer).
"""
