"""Imports: CSV and XLSX files of organisations, offers or requests, run as background jobs
through the domains' services (API.md "Imports")."""
