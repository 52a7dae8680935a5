"""Placeholder: filled in by the operations work."""
