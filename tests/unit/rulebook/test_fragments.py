"""Golden paths' rulebook fragments (issue 15): rules only, compiled into the main book after its
own rules, seeing its vars; their problems are located in the fragment's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulebook import RulebookLoadError, load_rulebook
from tests.support.rules import rule, rulebook_text


def _fragment(rules: str) -> str:
    return "rules:\n" + "\n".join("  " + line if line else line for line in rules.splitlines()) + "\n"


@pytest.fixture
def main(tmp_path: Path) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(rulebook_text(rule("true", id="main-rule"), vars="{limit: 3}"))
    return path


def test_a_fragments_rules_join_the_book_after_its_own_and_see_its_vars(main: Path, tmp_path: Path) -> None:
    fragment = tmp_path / "rules.yaml"
    fragment.write_text(_fragment(rule("vars.limit > 2", id="redis-small")))
    book = load_rulebook(main, fragments=[fragment])
    assert [r.id for r in book.rules] == ["main-rule", "redis-small"]


def test_a_changed_fragment_changes_the_books_version(main: Path, tmp_path: Path) -> None:
    fragment = tmp_path / "rules.yaml"
    fragment.write_text(_fragment(rule("true", id="one")))
    before = load_rulebook(main, fragments=[fragment]).version
    fragment.write_text(_fragment(rule("false", id="one")))
    assert load_rulebook(main, fragments=[fragment]).version != before != load_rulebook(main).version


def test_a_fragment_rule_named_like_a_main_rule_is_located_in_the_fragment(
    main: Path, tmp_path: Path
) -> None:
    fragment = tmp_path / "rules.yaml"
    fragment.write_text(_fragment(rule("true", id="main-rule")))
    with pytest.raises(RulebookLoadError) as caught:
        load_rulebook(main, fragments=[fragment])
    assert [str(p) for p in caught.value.problems] == [
        f"{fragment}:2:9: rule id 'main-rule' is used by another rule"
    ]


def test_a_fragment_with_other_top_level_keys_or_bad_cel_is_refused(main: Path, tmp_path: Path) -> None:
    fragment = tmp_path / "rules.yaml"
    fragment.write_text("name: mine\n" + _fragment(rule("nope(", id="broken")))
    with pytest.raises(RulebookLoadError) as caught:
        load_rulebook(main, fragments=[fragment])
    assert all(p.file == str(fragment) for p in caught.value.problems)
    assert "unknown field 'name'" in str(caught.value.problems[0])


def test_an_empty_or_unreadable_fragment_is_a_problem_naming_it(main: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(RulebookLoadError) as caught:
        load_rulebook(main, fragments=[empty])
    assert [str(p) for p in caught.value.problems] == [f"{empty}:1:1: the file is empty"]
    with pytest.raises(RulebookLoadError) as missing:
        load_rulebook(main, fragments=[tmp_path / "absent.yaml"])
    assert "cannot read" in str(missing.value.problems[0])


def test_a_fragment_not_in_utf8_is_a_problem_naming_it(main: Path, tmp_path: Path) -> None:
    fragment = tmp_path / "rules.yaml"
    fragment.write_bytes(b"\xff\xfe")
    with pytest.raises(RulebookLoadError) as caught:
        load_rulebook(main, fragments=[fragment])
    assert [str(p) for p in caught.value.problems] == [f"{fragment}:1:1: not UTF-8 text"]
