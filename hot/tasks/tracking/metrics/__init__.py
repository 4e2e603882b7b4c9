"""hot.tasks.tracking.metrics."""
