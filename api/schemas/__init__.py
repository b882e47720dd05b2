"""Request and response schemas, one module per noun (see docs/architecture.md)."""
