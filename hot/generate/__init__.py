"""``hot generate``: a small conditional flow-matching generator of hand-object clips (docs/generate.md).

* :mod:`hot.generate.features` -- clip <-> knot features, conditions from a clip.
* :mod:`hot.generate.model` / :mod:`hot.generate.flow` -- the DiT velocity network, loss and sampler.
* :mod:`hot.generate.postprocess` -- smoothing, rigid object, joint limits, FK: a valid clip.
* :mod:`hot.generate.vocab` -- the closed prompt vocabulary.
* :mod:`hot.generate.train` / :mod:`hot.generate.checkpoint` -- training and weights-only checkpoints.
* :mod:`hot.generate.evaluate` -- the held-out evaluation behind docs/results/generate_*.
"""
