"""Shared helpers for the tokenward test suites (vector loading, raw JOSE building, fixture keys)."""
