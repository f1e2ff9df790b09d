from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rulebook import Problem, Rulebook, RulebookError, RulebookLoadError, load_rulebook, parse_rulebook
from rulebook.models import Effect, Stage
from tests.support.rules import rule, rulebook_text

Build = Callable[..., Rulebook]


def problems_of(text: str, known_groups: set[str] | None = None) -> list[Problem]:
    with pytest.raises(RulebookLoadError) as caught:
        parse_rulebook(text.encode(), "book.yaml", known_groups)
    return list(caught.value.problems)


def messages(text: str, known_groups: set[str] | None = None) -> list[str]:
    return [str(p) for p in problems_of(text, known_groups)]


def test_the_default_rulebook_loads_with_the_bots_groups(default_book: Rulebook) -> None:
    assert default_book.name == "platform-default"
    assert default_book.timezone == "Europe/Berlin"
    assert len(default_book.version) == 12
    assert {r.stage for r in default_book.rules} == {Stage.INTENT, Stage.PLAN}


def test_a_rule_keeps_every_field_as_written(book_from: Build) -> None:
    extra = "  approval: {group: security, count: 2}\n  remediation: ask\n  tags: [a, b]\n"
    book = book_from(rulebook_text(rule("true", id="x", effect="require_approval", extra=extra)))
    loaded = book.rule("x")
    assert loaded is not None
    assert loaded.effect is Effect.REQUIRE_APPROVAL
    assert loaded.approval is not None and (loaded.approval.group, loaded.approval.count) == ("security", 2)
    assert (loaded.remediation, loaded.tags, loaded.condition) == ("ask", ("a", "b"), "true")
    assert book.rule("nope") is None


def test_version_is_a_hash_of_the_content(book_from: Build) -> None:
    one = book_from(rulebook_text(rule("true")))
    same = book_from(rulebook_text(rule("true")))
    other = book_from(rulebook_text(rule("false")))
    assert one.version == same.version != other.version


def test_declared_version_is_kept_as_text(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("true"), header="version: 1.10\n"))
    assert book.declared_version == "1.1"  # YAML read 1.10 as a float; quote it to keep "1.10"
    assert book_from(rulebook_text(rule("true"), header='version: "1.10"\n')).declared_version == "1.10"


def test_unknown_field_is_located_at_its_key_with_a_suggestion() -> None:
    text = rulebook_text(rule("true", extra="  remedation: x\n"))
    assert messages(text) == ["book.yaml:11:5: unknown field 'remedation' (did you mean 'remediation'?)"]


def test_unknown_top_level_field_is_reported() -> None:
    assert messages("name: t\nrules: []\nrulez: []\n") == [
        "book.yaml:3:1: unknown field 'rulez' (did you mean 'rules'?)"
    ]


def test_unknown_field_in_a_nested_model_suggests_from_that_model() -> None:
    text = rulebook_text(
        rule("true", effect="require_approval", extra="  approval: {group: security, cout: 2}\n")
    )
    assert messages(text) == ["book.yaml:11:33: unknown field 'cout' (did you mean 'count'?)"]


def test_unknown_field_without_a_close_match_has_no_suggestion() -> None:
    text = rulebook_text(rule("true", extra="  zzz: 1\n"))
    assert messages(text) == ["book.yaml:11:5: unknown field 'zzz'"]


def test_missing_field_is_located_at_the_rule() -> None:
    text = "name: t\nrules:\n  - id: a\n    stage: intent\n    condition: 'true'\n    effect: deny\n"
    text += "    message: m\n"
    assert messages(text) == ["book.yaml:3:5: missing field 'description'"]


def test_bad_enum_value_is_located_at_the_value() -> None:
    text = rulebook_text(rule("true", effect="sometimes"))
    [problem] = problems_of(text)
    assert (problem.line, problem.column) == (9, 13)
    assert "rules.0.effect" in problem.message and "'deny'" in problem.message


def test_duplicate_rule_ids_are_reported_at_the_second() -> None:
    text = rulebook_text(rule("true", id="same") + rule("false", id="same"))
    assert messages(text) == ["book.yaml:11:9: duplicate rule id 'same'"]


def test_rule_ids_must_be_kebab_case() -> None:
    assert messages(rulebook_text(rule("true", id="Not_Kebab"))) == [
        "book.yaml:5:9: rule id 'Not_Kebab' must be lower-case letters, digits and hyphens"
    ]


def test_duplicate_yaml_keys_are_reported() -> None:
    text = rulebook_text(rule("true", extra="  effect: warn\n"))
    assert messages(text) == ["book.yaml:11:5: duplicate key 'effect'"]


def test_cel_syntax_error_points_into_the_condition() -> None:
    # Line 8 is `    condition: "intent.env +"`: the text starts at column 17, the end (EOF) is 12 further.
    [problem] = problems_of(rulebook_text(rule("intent.env +")))
    assert (problem.file, problem.line) == ("book.yaml", 8)
    assert problem.column == 17 + 12
    assert problem.message.startswith("CEL: Syntax error")
    assert "expecting {" not in problem.message


def test_cel_syntax_error_in_a_block_scalar_points_at_its_line() -> None:
    text = (
        "name: t\nrules:\n  - id: a\n    description: d\n    stage: intent\n    condition: |\n"
        "      intent.env == 'prod' &&\n        intent.name ==\n    effect: deny\n    message: m\n"
    )
    [problem] = problems_of(text)
    assert (problem.line, problem.column) == (8, 23)


def test_cel_syntax_error_in_a_folded_scalar_is_found() -> None:
    text = (
        "name: t\nrules:\n  - id: a\n    description: d\n    stage: intent\n    condition: >-\n"
        "      intent.env == 'prod'\n      && ) \n    effect: deny\n    message: m\n"
    )
    [problem] = problems_of(text)
    assert (problem.line, problem.column) == (8, 10)


def test_unknown_name_in_a_condition_is_located() -> None:
    [problem] = problems_of(rulebook_text(rule("intent.env == 'prod' && usr.team == 'x'")))
    assert problem.message.startswith("unknown name 'usr'")
    assert (problem.line, problem.column) == (8, 17 + 24)


def test_comprehension_variables_and_type_names_are_not_unknown_names(book_from: Build) -> None:
    book_from(rulebook_text(rule("intent.params.exists(k, type(k) == string) && [1].all(x, x > 0)")))


def test_unknown_function_is_reported() -> None:
    [problem] = problems_of(rulebook_text(rule("lowercase(intent.name) == 'x'")))
    assert problem.message == "unknown function 'lowercase'"
    assert problem.column == 17


def test_extension_functions_are_known(book_from: Build) -> None:
    book_from(rulebook_text(rule("math.greatest([1, 2]) == 2 && 'a,b'.split(',').size() == 2")))


def test_plan_is_refused_in_an_intent_stage_rule() -> None:
    [problem] = problems_of(rulebook_text(rule("plan.counts.delete > 0")))
    assert problem.message.startswith("`plan` is only known at the plan stage")


def test_plan_is_fine_in_a_plan_stage_rule(book_from: Build) -> None:
    book_from(rulebook_text(rule("plan.counts.delete > 0", stage="plan")))


def test_undefined_vars_entry_is_reported() -> None:
    [problem] = problems_of(rulebook_text(rule("intent.name in vars.teamz"), vars="{teams: [a]}"))
    assert problem.message == "`vars.teamz` is not defined in the rulebook's vars"
    assert problem.column == 17 + 20


def test_invalid_regex_literal_is_reported_at_load() -> None:
    [problem] = problems_of(rulebook_text(rule("intent.name.matches('[a-')")))
    assert problem.message.startswith("invalid regex '[a-'")


def test_invalid_regex_in_vars_is_reported_at_load() -> None:
    [problem] = problems_of(rulebook_text(rule("intent.name.matches(vars.p)"), vars="{p: '(('}"))
    assert problem.message.startswith("invalid regex '(('")


def test_require_approval_needs_an_approval() -> None:
    assert messages(rulebook_text(rule("true", effect="require_approval"))) == [
        "book.yaml:5:5: rule 'r': require_approval needs an `approval: {group, count}`"
    ]


def test_approval_on_another_effect_is_refused() -> None:
    text = rulebook_text(rule("true", effect="warn", extra="  approval: {group: security}\n"))
    assert messages(text) == [
        "book.yaml:11:5: rule 'r': `approval` only goes with effect require_approval, not warn"
    ]


def test_approval_count_must_be_positive() -> None:
    text = rulebook_text(
        rule("true", effect="require_approval", extra="  approval: {group: security, count: 0}\n")
    )
    assert messages(text) == ["book.yaml:11:40: approval count must be at least 1"]


def test_unknown_approval_group_is_reported_when_groups_are_known(book_from: Build) -> None:
    text = rulebook_text(rule("true", effect="require_approval", extra="  approval: {group: securty}\n"))
    assert messages(text, {"security", "oncall"}) == [
        "book.yaml:11:23: unknown approval group 'securty' (the config defines: oncall, security)"
    ]
    assert book_from(text).rule("r") is not None  # without the bot's groups there is nothing to check


def test_unknown_approval_group_with_no_groups_configured() -> None:
    text = rulebook_text(rule("true", effect="require_approval", extra="  approval: {group: security}\n"))
    assert messages(text, set())[0].endswith("(the config defines: none)")


def test_message_placeholders_are_compiled_and_checked() -> None:
    [syntax] = problems_of(rulebook_text(rule("true", message="name {{ intent.name + }}")))
    assert syntax.message.startswith("CEL: Syntax error")
    assert (syntax.line, syntax.column) == (10, 23 + 13)
    [unknown] = problems_of(rulebook_text(rule("true", message="{{ who }}")))
    assert unknown.message.startswith("unknown name 'who'")


def test_unknown_time_zone_is_reported_with_other_problems() -> None:
    text = rulebook_text(rule("nope"), header="").replace("timezone: UTC", "timezone: Mars/Olympus")
    assert messages(text) == [
        "book.yaml:2:11: unknown time zone 'Mars/Olympus'",
        "book.yaml:8:17: unknown name 'nope'"
        " (a condition can use: action, actor, budget, cost, intent, now, plan, previous, resource, vars)",
    ]


def test_every_problem_is_reported_in_file_order() -> None:
    text = rulebook_text(rule("bad +", id="a") + rule("true", id="a") + rule("x == 1", id="c"))
    found = problems_of(text)
    assert [p.line for p in found] == sorted(p.line for p in found)
    assert len(found) == 3


def test_yaml_syntax_error_is_located() -> None:
    assert messages("name: [t\nrules: []\n") == ["book.yaml:2:6: YAML: expected ',' or ']', but got ':'"]


def test_empty_file_is_a_problem() -> None:
    assert messages("") == ["book.yaml:1:1: the file is empty"]


def test_top_level_must_be_a_mapping() -> None:
    assert messages("- a\n- b\n") == ["book.yaml:1:1: expected a mapping here, not list"]
    assert messages("name: t\nrules: [1]\n") == ["book.yaml:2:9: expected a mapping here, not int"]


def test_non_string_mapping_keys_are_refused() -> None:
    text = rulebook_text(rule("true")).replace("name: test", "name: test\n[1]: x")
    assert "book.yaml:2:1: mapping keys must be strings" in messages(text)


def test_not_utf8_is_a_problem() -> None:
    with pytest.raises(RulebookLoadError) as caught:
        parse_rulebook(b"name: \xff\n", "book.yaml")
    assert str(caught.value) == "book.yaml:1:1: not UTF-8 text"


def test_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(RulebookError) as caught:
        load_rulebook(tmp_path / "absent.yaml")
    assert caught.value.problems[0].message.startswith("cannot read")


def test_load_rulebook_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(rulebook_text(rule("true")))
    book = load_rulebook(path)
    assert book.path == str(path)
    assert [r.id for r in book.rules] == ["r"]


def test_cel_error_on_the_second_line_of_a_plain_scalar_is_located() -> None:
    text = (
        "name: t\nrules:\n  - id: a\n    description: d\n    stage: intent\n"
        "    condition: intent.env == 'prod'\n      && intent.name ==\n    effect: deny\n    message: m\n"
    )
    [problem] = problems_of(text)
    assert (problem.line, problem.column) == (7, 24)  # just past `==`, where the input ends


def test_an_empty_block_condition_at_the_end_of_the_file_is_located() -> None:
    text = "name: t\nrules:\n  - id: a\n    description: d\n    stage: intent\n    effect: deny\n"
    text += "    message: m\n"
    [problem] = problems_of(text + "    condition: |")
    assert problem.message.startswith("CEL: ")
    assert (problem.line, problem.column) == (8, 16)
