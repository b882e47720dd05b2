"""Scan-to-sign: signing sessions, QR frames, drafts, the PDF worker pool and verification."""
