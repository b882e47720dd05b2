"""Demo data for a fresh instance (seed) and sample documents."""
