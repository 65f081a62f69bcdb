"""Settings of the event service: `base` plus one module per environment."""
