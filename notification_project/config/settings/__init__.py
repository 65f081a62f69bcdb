"""Settings of the notification service: `base` plus one module per environment."""
