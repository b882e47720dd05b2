"""The certificate lifecycle of the manual (A–J): applications of every kind, orders and payments, review,
invoices, SMS checks, seals, bind and unbind. ``service.Lifecycle`` wires the parts together."""
