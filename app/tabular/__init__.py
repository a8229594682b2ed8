"""Spreadsheets in and out: the columns of imports and exports (API.md "Imports",
"Exports"), shared so that an export imported again changes nothing."""
