"""Letter-spaced text read one letter a word is joined back into words before matching."""

from __future__ import annotations

from app.documents.lines import group_lines, join_letter_spacing
from app.documents.model import Word


def _spaced(text: str, x: float = 10.0, letter_gap: float = 2.0, word_gap: float = 12.0,
            size: float = 10.0) -> list[Word]:
    words = []
    for char in text:
        if char == " ":
            x += word_gap
            continue
        words.append(Word(char, x, 100.0, x + 6.0, 100.0 + size, 1.0, "text", 1))
        x += 6.0 + letter_gap
    return words


def test_letter_spaced_words_are_joined_and_kept_apart() -> None:
    line = group_lines(_spaced("COCONUT WATER"))[0]
    assert [w.text for w in line.words] == ["COCONUT", "WATER"]
    assert line.words[0].x0 == 10.0


def test_single_letters_far_apart_stay_words() -> None:
    # grade columns, flags: letters with wide gaps between them are not one word
    words = _spaced("A B C", letter_gap=40.0, word_gap=40.0)
    assert [w.text for w in join_letter_spacing(words)] == ["A", "B", "C"]


def test_two_letters_and_ordinary_words_are_left_alone() -> None:
    words = [Word("Zone", 10, 100, 40, 110, 1.0, "text", 1),
             Word("A", 44, 100, 50, 110, 1.0, "text", 1),
             Word("B", 52, 100, 58, 110, 1.0, "text", 1)]
    assert [w.text for w in join_letter_spacing(words)] == ["Zone", "A", "B"]
