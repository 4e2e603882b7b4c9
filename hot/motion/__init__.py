"""hot.motion."""
