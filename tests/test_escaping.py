"""No identifier can break out of its quoted filter value (checked with an independent parser)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from scim2_models import ScimFilter
from scim2_models.path import Comparison, LogicalExpr

from postisupport.idp import urns
from postisupport.sources.scim.filters import (
    business_id_filter,
    lookup_filter,
    members_filter,
    organisation_name_filter,
    quote,
)

LEGACY = f"{urns.LOGIN_EXTENSION}:legacyUserId"


@given(st.text())
def test_the_lookup_filter_compares_three_attributes_with_exactly_the_value_and_its_upper_case(
    value: str
) -> None:
    ast = ScimFilter(lookup_filter(value)).ast
    forms = list(dict.fromkeys([value, value.upper()]))
    assert isinstance(ast, LogicalExpr)
    assert [(str(term.attr_path), term.value) for term in ast.terms if isinstance(term, Comparison)] == [
        (attribute, form) for attribute in ("userName", "emails.value", LEGACY) for form in forms]


@given(st.text(alphabet=st.sampled_from('"\\ ) or ( a'), max_size=30))
def test_quote_and_hostile_characters(value: str) -> None:
    ast = ScimFilter(f"userName eq {quote(value)}").ast
    assert isinstance(ast, Comparison) and ast.value == value


def test_quote_escapes_backslash_and_double_quote() -> None:
    assert quote('a"b\\c') == '"a\\"b\\\\c"'


@given(st.text())
def test_the_organisation_filters_compare_one_attribute_with_exactly_the_value(value: str) -> None:
    for make, attribute, operator in (
        (business_id_filter, f"{urns.ORGANISATION_EXTENSION}:businessId", "eq"),
        (organisation_name_filter, "displayName", "sw"),
        (members_filter, "groups.value", "eq"),
    ):
        ast = ScimFilter(make(value)).ast
        assert isinstance(ast, Comparison)
        assert (str(ast.attr_path), ast.op.value, ast.value) == (attribute, operator, value)
