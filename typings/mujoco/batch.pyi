"""Partial stub: mujoco is a pybind11 extension without type information; its attributes are Any."""

from typing import Any

def __getattr__(name: str) -> Any: ...
