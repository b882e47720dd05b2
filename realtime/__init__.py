"""Socket.IO: the PC namespace (QR frames, live status) and the APP namespace (scan, signing rounds)."""
