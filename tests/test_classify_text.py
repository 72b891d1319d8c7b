"""The keywords classifier's text layer: tokens, normalisation, the term syntax."""

from __future__ import annotations

import re

import pytest

from kzfeed.classify._patterns import CASE, EXACT, PREFIX, STEM, PatternIndex, matches_rest, parse_term
from kzfeed.classify._text import fold, make_stemmer, segment, strip_accents, tokenize

_REFERENCE_TOKENS = re.compile(r"\w+|[.!?;\n]")


@pytest.mark.parametrize(
    "text",
    [
        "Le Kazakhstan et l'UE visent à renforcer leur coopération.",
        "Erasmus+ and C5+1: Kassym-Jomart Tokayev's O’Sullivan (EEAS), 48,7 % — foo_bar\n\nNext paragraph!",
        "Қазақстан мен ЕО-ның ынтымақтастығы; «Қазатомөнеркәсіп» ҰАК\n",
        "\n\n  leading and trailing blank lines  \n\n",
        "",
    ],
)
def test_tokenize_gives_words_and_sentence_breaks_like_the_reference_regex(text: str) -> None:
    assert tokenize(text) == _REFERENCE_TOKENS.findall(text)


def test_tokens_split_on_hyphens_and_apostrophes_so_acronyms_stand_alone() -> None:
    assert tokenize("l'UE, Asie centrale-UE, ЕО-мен") == ["l", "UE", "Asie", "centrale", "UE", "ЕО", "мен"]


def test_fold_casefolds_and_reads_yo_as_ye() -> None:
    assert fold("ПАРТНЁРСТВО") == "партнерство"
    assert fold("Straße") == "strasse"


def test_strip_accents_only_drops_combining_marks() -> None:
    assert strip_accents("Tokaïev Šefčovič Síkela") == "Tokaiev Sefcovic Sikela"


def test_segment_separates_title_lead_and_body() -> None:
    text = "Short dateline\n" + "The lead paragraph " * 10 + "\n\nBody paragraph one.\n\nBody two."
    seg = segment("The Title", text)
    assert seg.tokens[: seg.title_end] == ["The", "Title", "\n"]
    lead = seg.tokens[seg.title_end : seg.lead_end]
    assert "dateline" in lead and "lead" in lead and "Body" not in lead
    assert "Body" in seg.tokens[seg.lead_end :]
    assert seg.field(0) == 0 and seg.field(seg.title_end) == 1 and seg.field(len(seg.tokens) - 1) == 2


def test_a_long_first_paragraph_is_cut_to_a_lead_at_a_sentence_end() -> None:
    text = "First sentence of a long paragraph. " * 40
    seg = segment("", text)
    lead = seg.tokens[seg.title_end : seg.lead_end]
    assert 0 < len(lead) < len(tokenize(text)) // 2
    assert lead[-3:] == ["paragraph", ".", "\n"]  # the lead ends at a full stop


def test_title_and_lead_form_one_unit_and_body_paragraphs_their_own() -> None:
    seg = segment(
        "Title", "Lead paragraph that is long enough to be the lead of this story, " * 3 + "\n\nA\n\nB"
    )
    body = [i for i in range(seg.lead_end, len(seg.tokens)) if seg.tokens[i] in ("A", "B")]
    assert seg.unit(0) == seg.unit(seg.title_end) == 0
    assert 0 < seg.unit(body[0]) < seg.unit(body[1])


def test_parse_term_kinds() -> None:
    stem = make_stemmer("en")
    assert parse_term("pipelines", "stem", stem) == ((STEM, "pipelin"),)
    assert parse_term("Kazakh*", "exact") == ((PREFIX, "kazakh"),)
    assert parse_term("=port", "stem", stem) == ((EXACT, "port"),)
    assert parse_term("EU", "stem", stem) == ((CASE, "EU"),)
    assert parse_term("ЕС", "exact") == ((CASE, "ЕС"),)
    # Kazakh: words of four letters or more are prefixes (suffixes follow), shorter ones exact
    assert parse_term("мұнай газ", "prefix") == ((PREFIX, "мұнай"), (EXACT, "газ"))
    assert parse_term("Erasmus+", "exact") == ((EXACT, "erasmus"),)


@pytest.mark.parametrize("bad", ["", "+++", "ab*", "=port*"])
def test_parse_term_rejects_what_cannot_match_sensibly(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_term(bad, "exact")


def _infos(tokens: list[str]) -> list[tuple[str, str, str, object, object, object, object]]:
    stem = make_stemmer("en")
    assert stem is not None
    return [(t, fold(t), stem(fold(t)), None, None, False, False) for t in tokens]


def test_index_finds_patterns_by_first_word_longest_first() -> None:
    stem = make_stemmer("en")
    index = PatternIndex(
        [
            (parse_term("European", "exact"), "europe"),
            (parse_term("European Union", "exact"), "eu"),
            (parse_term("Europ*", "exact"), "europe-prefix"),
            (parse_term("EU", "exact"), "eu-acronym"),
        ]
    )
    found = index.starting_at("European", "european", stem("european") if stem else "european")
    assert found[0].payloads == ("eu",)  # the longest first
    assert {p.payloads[0] for p in found} == {"eu", "europe", "europe-prefix"}
    assert index.starting_at("eu", "eu", "eu") == ()  # the acronym is case-sensitive
    assert [p.payloads for p in index.starting_at("EU", "eu", "eu")] == [("eu-acronym",)]


def test_terms_that_compile_alike_share_a_pattern_and_keep_one_payload_per_key() -> None:
    stem = make_stemmer("en")
    index = PatternIndex(
        [
            (parse_term("visa", "stem", stem), ("edu", "visa")),
            (parse_term("visas", "stem", stem), ("edu", "visas")),
        ],
        key=lambda payload: payload[0],
    )
    assert index.size == 1
    (pattern,) = index.starting_at("visas", "visas", "visa")
    assert pattern.payloads == (("edu", "visa"),)


def test_matches_rest_checks_the_following_words() -> None:
    elements = parse_term("rule of law", "stem", make_stemmer("en"))
    infos = _infos(["the", "rule", "of", "law", "and", "rule", "of", "thumb"])
    assert matches_rest(elements, infos, 1)
    assert not matches_rest(elements, infos, 5)
    assert not matches_rest(elements, infos[:3], 1)  # runs past the end
