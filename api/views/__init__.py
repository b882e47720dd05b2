"""The JSON API (``/api/v1``), the OpenAPI document, the PKI endpoints (CRL, OCSP, TSA) and operations."""
