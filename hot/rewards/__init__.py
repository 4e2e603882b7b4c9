"""hot.rewards."""
