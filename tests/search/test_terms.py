"""Folding and splitting words, and reading a query (unit tests)."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.search.layout import postings_collection, vocabulary_collection
from core.search.terms import contains_sequence, exact_words, folded_words, parse_query


def test_folding_makes_cases_and_diacritics_alike() -> None:
    assert folded_words("QUYẾT ĐỊNH") == folded_words("Quyet Dinh") == ["quyet", "dinh"]
    assert folded_words("quyết định") == ["quyet", "dinh"]
    assert folded_words("Đà Nẵng") == ["da", "nang"]


def test_exact_words_keep_diacritics_but_not_case() -> None:
    assert exact_words("QUYẾT Định") == ["quyết", "định"]
    assert exact_words("quyết") != exact_words("quyệt")


def test_decomposed_and_invisible_characters_are_the_same_word() -> None:
    decomposed = "Quye\u0302\u0301t"  # NFD: e + circumflex + acute
    assert exact_words(decomposed) == ["quyết"]
    assert folded_words("lịch\u00ad sử") == ["lich", "su"]


def test_number_and_symbol_split_into_words_in_order() -> None:
    assert folded_words("05/QĐ-UBND") == ["05", "qd", "ubnd"]


def test_a_query_has_words_phrases_and_word_beginnings() -> None:
    query = parse_query('quyết "ủy ban nhân dân" quy* 05/QĐ-UBND')
    kinds = [(c.folded, c.prefix, c.phrase) for c in query.clauses]
    assert kinds == [
        (["quyet"], False, False),
        (["uy", "ban", "nhan", "dan"], False, True),
        (["quy"], True, False),
        (["05", "qd", "ubnd"], False, True),
    ]
    assert query.clauses[0].exact == ["quyết"]


def test_an_unclosed_quote_runs_to_the_end() -> None:
    query = parse_query('"ủy ban')
    assert query.clauses[0].folded == ["uy", "ban"]


@pytest.mark.parametrize("text", ["", "   ", "!!! ---", "q*", "x" * 501, " ".join("w" * 13)])
def test_queries_that_cannot_be_searched_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_query(text)


def test_sequences_and_prefixes() -> None:
    words = ["ve", "viec", "ban", "hanh", "quy", "che"]
    assert contains_sequence(words, ["ban", "hanh"], prefix=False)
    assert not contains_sequence(words, ["hanh", "ban"], prefix=False)
    assert contains_sequence(words, ["ban", "ha"], prefix=True)
    assert not contains_sequence(words, ["ban", "ha"], prefix=False)
    assert not contains_sequence(words, [], prefix=False)


def test_words_and_short_numbers_have_a_collection_and_the_rest_share_buckets() -> None:
    assert postings_collection("quyet") == "search_w_quyet"
    # A register's numbers, years, days: at most 11,110, a collection each.
    assert postings_collection("05") == "search_w_05"
    assert postings_collection("2026") == "search_w_2026"
    # Longer numbers and codes are as many as documents: they share 1,024 collections.
    assert postings_collection("12345").startswith("search_h_")
    assert postings_collection("h25").startswith("search_h_")
    assert postings_collection("ñandu").startswith("search_h_")
    assert len({postings_collection(str(n)) for n in range(10_000, 30_000)}) == 1024
    assert vocabulary_collection("quyet") == "search_v_qu"


def test_a_scope_range_holds_every_key_that_begins_so() -> None:
    from core.search.layout import posting_key, prefix_range, scope_prefix

    span = prefix_range(scope_prefix("lich", "r", "000.00.01.H25"))
    for code in ("000.00.01.H25.2026.01", "Đ.2026.01.TH", "đ-01", "\U0001f600"):
        key = posting_key("lich", "r", "000.00.01.H25", code)
        assert span["$gte"] <= key < span["$lt"], code
    for other in ("000.00.01.H250", "000.00.01.H2"):
        assert not span["$gte"] <= posting_key("lich", "r", other, "x") < span["$lt"]
