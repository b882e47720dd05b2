"""HTTP: the JSON API, the PC pages and the PKI endpoints."""
