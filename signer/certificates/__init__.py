"""Certificates: status and transitions, download, install, binding, key PIN, retire and the list."""
