"""hot.envs."""
