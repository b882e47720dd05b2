"""The certificate authority: PKI primitives, CA keys, issuance, CRL, OCSP and TSA."""
