"""Motion data: clip schema, safe file I/O and validation, motion libraries, key-body FK.

* :mod:`hot.motion.schema` -- :class:`MotionClip` (wxyz, float32), :class:`MotionFormatError`.
* :mod:`hot.motion.io` -- :func:`load_clip` / :func:`save_clip` / :func:`load_folder` (upstream dict
  files, xyzw on disk, ``torch.load(weights_only=True)`` only).
* :mod:`hot.motion.dataset` -- :class:`MotionLibrary`, :class:`MultiObjectMotionLibrary`.
* :mod:`hot.motion.fk` -- key-body positions by MuJoCo FK (imported on demand; needs a hand).
"""

from hot.motion.dataset import MotionLibrary, MultiObjectMotionLibrary
from hot.motion.io import load_clip, load_folder, save_clip
from hot.motion.schema import MotionClip, MotionFormatError, skill_code_from_name

__all__ = [
    "MotionClip",
    "MotionFormatError",
    "MotionLibrary",
    "MultiObjectMotionLibrary",
    "load_clip",
    "load_folder",
    "save_clip",
    "skill_code_from_name",
]
