"""hot.tasks.tracking.rewards."""
