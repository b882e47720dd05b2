"""The HTML pages: the member-center frame (frame.py), the member pages, the signing and verification pages,
the sandbox cashier. They render templates and get their data through the services."""
