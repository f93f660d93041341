"""Tickets and cases: what a worker reported, grouped into cases, referred to the
organisations that can remedy it and followed until something changes.

The console (`agent_console`) is the UI shell; this package owns the records, their
rules, their queries and their pages."""
