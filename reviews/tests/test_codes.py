"""One-time codes: how they are made, kept unique, stored and read back as typed."""

import itertools

import pytest

from reviews import codes
from reviews.codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    codes_generate,
    format_code,
    is_well_formed,
    new_code,
    normalise_code,
)
from reviews.models import EvaluationCode, RoundCategory
from reviews.tests.factories import make_round


def test_the_alphabet_has_no_look_alikes_and_the_codes_about_fifty_bits():
    assert not set("01OIL") & set(CODE_ALPHABET)
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET) == 31
    # 31^10 ≈ 8·10^14: with 20,000 live codes, one guess in 4·10^10 hits.
    assert len(CODE_ALPHABET) ** CODE_LENGTH > 8 * 10**14


def test_new_codes_are_ten_characters_of_the_alphabet_and_do_not_repeat():
    made = [new_code() for _ in range(5000)]
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in made)
    assert len(set(made)) == len(made)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ABCDE-FGHJK", "ABCDEFGHJK"),
        ("abcde fghjk", "ABCDEFGHJK"),
        ("  AbCdE—FgHjK \n", "ABCDEFGHJK"),
        # A Chinese input method types full-width letters, digits and dashes.
        ("ＡＢＣＤＥ－ＦＧＨ２３", "ABCDEFGH23"),
        ("", ""),
    ],
)
def test_typed_codes_are_normalised_to_the_stored_form(typed, stored):
    assert normalise_code(typed) == stored


def test_look_alikes_are_not_mapped_and_so_match_no_code():
    # Neither 0 nor O (nor 1, I, L) is ever issued, so such input is simply unknown.
    assert normalise_code("0O1IL-23456") == "0O1IL23456"
    assert not is_well_formed(normalise_code("0O1IL-23456"))
    assert is_well_formed(normalise_code("abcde-fghjk"))
    assert not is_well_formed("ABCDEFGHJ")


def test_codes_are_shown_in_two_groups_of_five():
    assert format_code("ABCDEFGHJK") == "ABCDE-FGHJK"


def test_generation_makes_the_planned_number_per_category(county, campaign):
    evaluation_round = make_round(campaign, county.branch_a1, codes={"public": 40, "staff": 7})
    made = codes_generate(
        evaluation_round=evaluation_round, categories=RoundCategory.objects.filter(round=evaluation_round)
    )
    assert made == 47
    stored = EvaluationCode.objects.filter(round=evaluation_round)
    assert stored.filter(category="public").count() == 40
    assert stored.filter(category="staff").count() == 7
    assert not stored.filter(used=True).exists()
    assert all(is_well_formed(code) for code in stored.values_list("code", flat=True))


def test_codes_are_inserted_in_random_order_across_categories(county, campaign):
    evaluation_round = make_round(campaign, county.branch_a1, codes={"party_member": 100, "public": 100})
    codes_generate(evaluation_round=evaluation_round, categories=RoundCategory.objects.filter(round=evaluation_round))
    in_id_order = list(EvaluationCode.objects.filter(round=evaluation_round).order_by("pk"))
    categories = [code.category for code in in_id_order]
    # Inserted category by category, there would be a single change of category.
    changes = sum(1 for a, b in itertools.pairwise(categories) if a != b)
    assert changes > 20
    # Nor do ids follow the order the slips are printed in (by code).
    texts = [code.code for code in in_id_order]
    assert texts != sorted(texts)


def test_a_code_already_used_by_another_round_is_never_issued_again(county, campaign, monkeypatch):
    other = make_round(campaign, county.branch_b1, codes={"public": 1})
    EvaluationCode.objects.create(round=other, category="public", code="AAAAABBBBB")
    drawn = iter(["AAAAABBBBB", "CCCCCDDDDD", "EEEEEFFFFF"])
    monkeypatch.setattr(codes, "new_code", lambda: next(drawn))
    evaluation_round = make_round(campaign, county.branch_a1, codes={"public": 2})
    codes_generate(evaluation_round=evaluation_round, categories=RoundCategory.objects.filter(round=evaluation_round))
    assert set(EvaluationCode.objects.filter(round=evaluation_round).values_list("code", flat=True)) == {
        "CCCCCDDDDD",
        "EEEEEFFFFF",
    }


def test_a_clash_at_insert_time_is_retried_with_fresh_codes(county, campaign, monkeypatch):
    """Another round may store the same code between our check and our insert: the
    unique index refuses it and the whole batch is drawn again."""
    evaluation_round = make_round(campaign, county.branch_a1, codes={"public": 2})
    other = make_round(campaign, county.branch_b1, codes={"public": 1})
    real_fresh = codes._fresh_codes
    calls = []

    def racing_fresh(model, count):
        calls.append(count)
        if len(calls) == 1:
            EvaluationCode.objects.create(round=other, category="public", code="GGGGGHHHHH")
            return ["GGGGGHHHHH", "JJJJJKKKKK"]
        return real_fresh(model, count)

    monkeypatch.setattr(codes, "_fresh_codes", racing_fresh)
    made = codes_generate(
        evaluation_round=evaluation_round, categories=RoundCategory.objects.filter(round=evaluation_round)
    )
    assert made == 2 and len(calls) == 2
    stored = set(EvaluationCode.objects.filter(round=evaluation_round).values_list("code", flat=True))
    assert len(stored) == 2 and "GGGGGHHHHH" not in stored
