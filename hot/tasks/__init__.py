"""Task families, one folder each: what is specific to a task (its env, typed config, observations,
actions, rewards, terminations, success rules, metrics, constants and evaluation).

* :mod:`hot.tasks.tracking`: hand-object trajectory tracking (HOT; ``hot/run.py``, ``hot train/eval``).
* :mod:`hot.tasks.inhand`: HORA-style in-hand rotation (``hot train/eval --algo ... --task allegro_inhand``).

:mod:`hot.tasks.registry` lists them (hands, typed config, env factory); one contract test runs over it.

Tasks build on the shared lower layers (:mod:`hot.sim`, :mod:`hot.motion`, :mod:`hot.assets`,
:mod:`hot.config`, :mod:`hot.utils`) and never import the layers above them (:mod:`hot.learning`,
:mod:`hot.distill`, the command line), except lazily inside entry-point functions.
"""
