"""hot.config."""
