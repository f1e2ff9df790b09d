from __future__ import annotations

from rulebook.cel_source import (
    comprehension_names,
    find_name,
    mask_strings,
    matches_patterns,
    member_uses,
    offset_of,
    split_conjuncts,
    syntax_error,
)


def test_masking_blanks_string_bodies_and_keeps_offsets() -> None:
    source = """a == "x && y" && b == 'q' && c == r'\\d' && d == '''t'''"""
    masked = mask_strings(source)
    assert len(masked) == len(source)
    assert "&& y" not in masked and "q" not in masked.split("b ==")[1][:5]
    assert masked.count("&&") == 3


def test_comprehension_names_are_found() -> None:
    assert comprehension_names("l.exists(x, x > 1) && m.all( y , y) && n.map(z, 'w.all(q, q)')") == {
        "x",
        "y",
        "z",
    }


def test_find_name_skips_strings_and_members() -> None:
    source = "'usr' == a.usr || usr == 1"
    assert find_name(source, "usr") == source.rindex("usr")
    assert find_name(source, "absent") == 0


def test_member_uses_lists_each_vars_member() -> None:
    assert member_uses("vars.a + vars . b + x.vars.c + 'vars.d'", "vars") == [("a", 5), ("b", 16)]


def test_split_conjuncts_on_top_level_and_only() -> None:
    assert split_conjuncts("a && (b && c) && d") == ["a", "(b && c)", "d"]
    assert split_conjuncts("  ((a && b))  ") == ["a", "b"]
    assert split_conjuncts("(a) && (b)") == ["(a)", "(b)"]
    assert split_conjuncts("a || b && c") == ["a || b && c"]
    assert split_conjuncts("a ? b : c && d") == ["a ? b : c && d"]
    assert split_conjuncts("x == '&&' && [1, 2].all(i, i > 0 && i < 3)") == [
        "x == '&&'",
        "[1, 2].all(i, i > 0 && i < 3)",
    ]
    assert split_conjuncts("a") == ["a"]


def test_matches_patterns_reads_literals_and_string_vars() -> None:
    source = (
        """x.matches(r'^\\d+$') && y.matches("a\\\\.b") && z.matches(vars.p)"""
        " && w.matches(vars.n) && v.matches(q)"
    )
    assert [p for p, _ in matches_patterns(source, {"p": "^a$", "n": 3})] == ["^\\d+$", "a\\.b", "^a$"]
    assert matches_patterns("x.matches('''a'b''')", {})[0][0] == "a'b"


def test_syntax_error_takes_the_first_error_without_the_token_list() -> None:
    message = (
        "Failed: ERROR: <input>:2:5: Syntax error: extraneous input 'b' expecting {'[', '{'}\n"
        "| a b\nERROR: <input>:3:1: x"
    )
    assert syntax_error(message) == (2, 5, "Syntax error: extraneous input 'b'")
    assert syntax_error("\nsomething else\nmore") == (1, 1, "something else")


def test_offset_of_counts_lines_and_columns() -> None:
    assert offset_of("ab\ncd", 2, 2) == 4
    assert offset_of("ab", 9, 1) == 0


def test_comments_are_masked_so_they_do_not_split_clauses() -> None:
    assert mask_strings("a // x && 'y'\n") == "a            \n"
    assert split_conjuncts("a // x && y\n && b") == ["a // x && y", "b"]
    assert mask_strings("'//' && b") == "'  ' && b"
