"""No identifier can break out of its quoted filter value (checked with an independent parser)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from scim2_models import ScimFilter
from scim2_models.path import Comparison, LogicalExpr

from postisupport.idp import urns
from postisupport.scim.filters import lookup_filter, quote


@given(st.text())
def test_the_lookup_filter_always_has_three_comparisons_of_exactly_the_value(value: str) -> None:
    ast = ScimFilter(lookup_filter(value)).ast
    assert isinstance(ast, LogicalExpr)
    assert [str(term.attr_path) for term in ast.terms] == [
        "userName", "emails.value", f"{urns.LOGIN_EXTENSION}:legacyUserId"]
    assert all(isinstance(term, Comparison) and term.value == value for term in ast.terms)


@given(st.text(alphabet=st.sampled_from('"\\ ) or ( a'), max_size=30))
def test_quote_and_hostile_characters(value: str) -> None:
    ast = ScimFilter(f"userName eq {quote(value)}").ast
    assert isinstance(ast, Comparison) and ast.value == value


def test_quote_escapes_backslash_and_double_quote() -> None:
    assert quote('a"b\\c') == '"a\\"b\\\\c"'
