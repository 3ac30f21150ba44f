"""HTTP handlers, grouped by concern."""
