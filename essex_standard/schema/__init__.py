"""JSON Schemas for essex-standard outputs (shipped inside the package)."""
