from __future__ import annotations

from akrites.domain.dedup.text import MAX_SHINGLES, clean, content_words, identifiers, shingles
from akrites.domain.dedup.weakness import Weakness, classes_in_text, classes_of_cwes


def test_identifiers_are_code_names_files_and_their_last_component() -> None:
    found = identifiers(
        "Incomplete validation in `SparseAdd` lets tf.raw_ops.MatrixDiagV* and "
        "widget_traversal.py misbehave; joblib.load() calls __reduce__, e.g. via JavaScript."
    )
    assert {"sparseadd", "tf.raw_ops.matrixdiagv", "widget_traversal.py"} <= found
    assert {"joblib.load", "__reduce__", "javascript"} <= found
    assert "e.g" not in found


def test_prose_is_not_mistaken_for_identifiers() -> None:
    assert identifiers("A remote attacker can read files. Versions 1.2.3 are affected.") == set()


def test_shingles_are_distinct_word_triples_in_order() -> None:
    assert shingles("A b c, d; A B c") == ["a b c", "b c d", "c d a", "d a b"]
    assert shingles("short text") == ["short text"]
    assert len(shingles(" ".join(f"w{i}" for i in range(1000)))) == MAX_SHINGLES


def test_cleaning_drops_links_and_masked_ids() -> None:
    cleaned = clean("See https://example.org/x and [ID] for details")
    assert "example" not in cleaned
    assert "[ID]" not in cleaned


def test_content_words_skip_function_words_numbers_and_advisory_jargon() -> None:
    assert content_words("The attacker can exploit the parser in version 2.0") == {
        "exploit",
        "parser",
    }


def test_weakness_classes_are_read_from_words_and_from_cwes() -> None:
    assert classes_in_text("A Cross-Site Scripting (XSS) flaw; out-of-bounds read") == {
        Weakness.XSS,
        Weakness.MEMORY_SAFETY,
    }
    assert classes_of_cwes(frozenset({79, 89, 99999})) == {Weakness.XSS, Weakness.SQL_INJECTION}
