"""Closest-match suggestions."""

from __future__ import annotations

from intents.suggest import closest, did_you_mean


def test_exact_case_insensitive_match_comes_first() -> None:
    assert closest("SIZE", ["sizes", "size"]) == ["size", "sizes"]


def test_prefixes_then_similar_words() -> None:
    assert closest("post", ["postgres-database", "service"]) == ["postgres-database"]
    assert closest("servce", ["postgres-database", "service"]) == ["service"]


def test_unrelated_words_get_no_suggestion() -> None:
    assert closest("zzz", ["postgres-database", "service"]) == []


def test_did_you_mean_wording() -> None:
    assert did_you_mean([]) == ""
    assert did_you_mean(["a", "b"]) == " Did you mean `a` or `b`?"
