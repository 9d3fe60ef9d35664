"""Parsers of the profile files tools write. Each returns plain tuples the C
side turns into a report (harness/report.h)."""
