"""hot: physics-based hand-object tracking on MuJoCo (a port of HOT)."""

__version__ = "0.1.0"
