"""Shared helpers for the tokenward tests: vector loading, raw JOSE building, fixture keys."""
