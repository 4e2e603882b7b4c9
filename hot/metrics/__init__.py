"""hot.metrics."""
