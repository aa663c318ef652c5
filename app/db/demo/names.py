"""Invented names for demo companies and people, built from syllables so none is a real one."""

from __future__ import annotations

import random

_ONSETS = ["b", "br", "c", "d", "dr", "f", "g", "gl", "k", "l", "m", "n", "p", "qu", "r", "s",
           "st", "t", "tr", "v", "z", "th", "sh", "vel", "mor"]
_VOWELS = ["a", "e", "i", "o", "u", "ae", "io", "ea", "y"]
_CODAS = ["", "n", "r", "x", "l", "th", "nd", "rn", "s", "v"]
_FIRST = ["Ada", "Bram", "Cleo", "Dario", "Edda", "Fenna", "Gus", "Hedda", "Ivo", "Juno", "Kai",
          "Lotte", "Milo", "Nell", "Otis", "Pia", "Quinn", "Rhea", "Sol", "Tove", "Ugo", "Vera",
          "Wim", "Xena", "Yara", "Zeno"]


def invented_word(rng: random.Random, syllables: int = 3) -> str:
    parts = [rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables - 1)]
    parts.append(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS))
    return "".join(parts).capitalize()


def company_name(rng: random.Random, kinds: list[str], used: set[str]) -> str:
    while True:
        name = f"{invented_word(rng, rng.choice((2, 3)))} {rng.choice(kinds)}"
        if name not in used:
            used.add(name)
            return name


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {invented_word(rng, 2)}"
