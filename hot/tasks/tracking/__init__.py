"""Hand-object tracking (HOT): a hand and an object follow a reference clip.

``env`` (the batched env), ``config`` (typed env/sim config), ``resolve`` (upstream flags onto it),
``observations``, ``actions``, ``noise``, ``rewards/``, ``terminations``, ``metrics/`` (errors and the
per-skill success rules) and ``evaluate`` (test rollouts and their tables).
"""
