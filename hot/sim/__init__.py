"""hot.sim."""
