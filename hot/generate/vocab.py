"""A small closed vocabulary for text prompts: verbs name skills, nouns name objects.

``parse_prompt("pick up the mug and put it down", objects)`` -> ``Prompt(skills=("grasp", "place"),
object="Mug")``. Every verb (or two-word verb such as "pick up") starts the next step of the sequence;
"and", "then", commas and full stops only read better. Nouns are the registry's object names (lower
case) and a few synonyms; "it" and "object" refer to the object given by ``--object``. A word outside
the vocabulary is a :class:`PromptError` whose one-line message lists the whole vocabulary: there is
no language model here, so guessing would only hide a typo.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["VERBS", "FILLERS", "SYNONYMS", "Prompt", "PromptError", "parse_prompt", "vocabulary_line"]

VERBS: dict[str, str] = {
    "pick up": "grasp",
    "pick": "grasp",
    "grasp": "grasp",
    "grab": "grasp",
    "lift": "grasp",
    "take": "grasp",
    "move": "move",
    "carry": "move",
    "bring": "move",
    "put down": "place",
    "set down": "place",
    "put": "place",
    "place": "place",
    "set": "place",
    "regrasp": "regrasp",
    "rotate": "rotate",
    "turn": "rotate",
    "spin": "rotate",
    "catch": "catch",
    "throw": "throw",
    "toss": "throw",
    "wave": "freemove",
    "hover": "freemove",
    "relocate": "long",
}
"""Verb (one or two words) -> skill (``hot.datagen.skills.SKILLS``)."""

FILLERS: frozenset[str] = frozenset(
    {"the", "a", "an", "it", "object", "and", "then", "up", "down", "again", "over", "near", "by", "hand"}
)
"""Words that carry no condition ("it" and "object" stand for ``--object``)."""

SYNONYMS: dict[str, str] = {"cup": "Mug", "glass": "Wineglass", "tennis ball": "TennisBall", "pot": "Pan"}
"""Extra nouns -> registry object names (added only when that object is registered)."""


class PromptError(ValueError):
    """A prompt the vocabulary cannot read; the message is one line and lists the vocabulary."""


@dataclass(frozen=True)
class Prompt:
    """A parsed prompt.

    Attributes:
        skills: the skill sequence, in order (at least one).
        object: the registry name of the object the nouns name, or None when no noun names one.
    """

    skills: tuple[str, ...]
    object: str | None


def _nouns(objects: Sequence[str]) -> dict[str, str]:
    out = {name.lower(): name for name in objects}
    by_lower = {name.lower(): name for name in objects}
    for word, target in SYNONYMS.items():
        if target.lower() in by_lower:
            out[word] = by_lower[target.lower()]
    return out


def vocabulary_line(objects: Sequence[str]) -> str:
    """The whole vocabulary in one line (for error messages and ``--help``)."""
    verbs = ", ".join(f"{v}->{s}" for v, s in VERBS.items())
    nouns = ", ".join(sorted(_nouns(objects)))
    return f"verbs: {verbs}; nouns: {nouns}; other words: {', '.join(sorted(FILLERS))}"


def parse_prompt(text: str, objects: Sequence[str]) -> Prompt:
    """Read ``text`` against the vocabulary.

    Args:
        text: the prompt, e.g. ``"pick up the mug and put it down"``.
        objects: registry object names (nouns), e.g. ``hot.assets.objects.list_objects()``.

    Raises:
        PromptError: an unknown word (the message lists the vocabulary), no verb, or nouns naming two
            different objects.
    """
    words = [w for w in re.split(r"[\s,.;!?]+", text.lower().strip()) if w]
    nouns = _nouns(objects)
    skills: list[str] = []
    named: list[str] = []
    i = 0
    while i < len(words):
        pair = " ".join(words[i : i + 2]) if i + 1 < len(words) else None
        if pair is not None and pair in VERBS:
            skills.append(VERBS[pair])
            i += 2
        elif pair is not None and pair in nouns:
            named.append(nouns[pair])
            i += 2
        elif words[i] in VERBS:
            skills.append(VERBS[words[i]])
            i += 1
        elif words[i] in nouns:
            named.append(nouns[words[i]])
            i += 1
        elif words[i] in FILLERS:
            i += 1
        else:
            raise PromptError(f"unknown word {words[i]!r} in the prompt; {vocabulary_line(objects)}")
    if not skills:
        raise PromptError(f"the prompt {text!r} has no verb; {vocabulary_line(objects)}")
    if len(set(named)) > 1:
        raise PromptError(f"the prompt names several objects {sorted(set(named))}; one object per prompt")
    return Prompt(skills=tuple(skills), object=named[0] if named else None)
