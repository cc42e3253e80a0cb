"""pytest plugin: fixtures for the embedded local backend (filled in by safemaker.local)."""
