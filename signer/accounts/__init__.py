"""Enterprises, accounts, devices, API tokens, login sessions and who may act for an enterprise."""
