"""Residents' pages (no login) at /report/: report, follow and rate a case; the public case list and rankings."""
