"""Business systems: API clients, session hand-offs and webhooks."""
