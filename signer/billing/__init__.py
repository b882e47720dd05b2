"""Orders, payments and invoices (with the invoice PDF)."""
