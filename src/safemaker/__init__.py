"""safemaker."""
