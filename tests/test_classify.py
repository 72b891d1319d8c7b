"""The keywords classifier: relevance, topics, entities and evidence in the beat's five languages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pluggy
import pytest

from kzfeed import hookspecs
from kzfeed.classify import KeywordClassifier, load_gazetteer, load_vocabulary
from kzfeed.errors import ConfigError
from kzfeed.models import TOPICS, Classification, Document
from kzfeed.sources import Classifier

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def classify(classifier: KeywordClassifier, title: str, text: str, lang: str | None = None) -> Classification:
    return classifier.classify(Document(title=title, text=text, lang=lang))


def topics(result: Classification) -> set[str]:
    return {t.topic for t in result.topics}


# --- the seed articles --------------------------------------------------------------------

# headline (as the cleaner extracts it), topics the article develops, topics it only mentions in
# passing. Issue 15: these long overviews used to get 4-8 topics each; now what they develop.
SEED_EXPECTATIONS = {
    "000": (
        "LE KAZAKHSTAN ET L'UE VISENT À RENFORCER LEUR COOPÉRATION DANS LE DOMAINE DES MÉTAUX RARES ET DE L'ÉNERGIE VERTE",
        {"raw_materials", "energy", "transport_logistics"},
        {"security", "rule_of_law", "education_culture"},
    ),
    "001": (
        "Le Kazakhstan et l’Union européenne renforcent leur coopération interparlementaire",
        {"political_dialogue", "energy"},
        {"security"},
    ),
    "002": (
        "Renforcer les liens : état des relations entre l’UE et le Kazakhstan",
        {"trade_investment", "energy", "education_culture"},
        {"security", "raw_materials"},
    ),
    "003": (
        "LE KAZAKHSTAN ET LA FRANCE SE DISENT PRÊTS À DÉVELOPPER LEUR COOPÉRATION DANS LE DOMAINE DE L'ÉNERGIE ET DES MATIÈRES PREMIÈRES ESSENTIELLES",
        {"energy", "raw_materials", "political_dialogue"},
        # "le transport et la logistique, la santé, le tourisme" is a passing list
        {"transport_logistics", "security"},
    ),
    "004": (
        "Métaux critiques : la France et le Kazakhstan veulent coopérer",
        {"raw_materials", "energy"},
        # "l'agriculture, des transports et de la logistique ainsi que de la santé" is a passing list;
        # trade comes up in two sentences, and "important" is not "importations"
        {"transport_logistics", "education_culture", "trade_investment"},
    ),
}


def _seed(number: str) -> tuple[str, str]:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    title = SEED_EXPECTATIONS[number][0]
    # the cleaner keeps the headline as the title and drops its repeats from the body
    body = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() != title)
    return title, body


@pytest.mark.parametrize("number", sorted(SEED_EXPECTATIONS))
def test_every_seed_is_relevant_with_the_topics_it_develops(
    classifier: KeywordClassifier, number: str
) -> None:
    title, body = _seed(number)
    result = classify(classifier, title, body)
    _title, wanted, passing = SEED_EXPECTATIONS[number]
    assert result.relevant, result.reason
    assert result.lang == "fr"
    assert wanted <= topics(result), f"missing {wanted - topics(result)}"
    assert not passing & topics(result), f"tagged for a passing mention: {passing & topics(result)}"
    assert len(result.topics) <= 4


def test_seed_entities_are_normalised_across_spellings(classifier: KeywordClassifier) -> None:
    names = {}
    for number in ("000", "001", "003", "004"):
        result = classify(classifier, *_seed(number))
        names[number] = {e.name for e in result.entities}
    assert "Roman Vassilenko" in names["000"]  # "Roman Vassilenko"
    assert "Roman Vassilenko" in names["001"]  # "Romain Vassilenko"
    assert "Kassym-Jomart Tokayev" in names["001"]  # "Tokaïev"
    assert "Kassym-Jomart Tokayev" in names["004"]  # "Tokayev"
    assert "European Union" in names["000"] and "European External Action Service" in names["000"]
    assert {"France", "Emmanuel Macron"} <= names["004"]


# --- relevance ------------------------------------------------------------------------------

RELEVANT = [
    (
        "en",
        "Germany's Siemens Energy to supply turbines for Kazakh power plant",
        "Siemens Energy will deliver gas turbines for a new power plant in Atyrau, Kazakhstan's energy ministry said. "
        "The German company has worked in Kazakhstan for two decades.",
    ),
    (
        "fr",
        "Bruxelles et Astana lancent un dialogue sur les matières premières critiques",
        "La Commission européenne et le gouvernement du Kazakhstan ont tenu leur première réunion sur la mise en œuvre "
        "du partenariat sur les matières premières, le lithium et les terres rares.",
    ),
    (
        "ru",
        "Казахстан и Италия подписали соглашения на 1 млрд евро",
        "По итогам визита премьер-министра Италии в Астану стороны подписали соглашения в энергетике и логистике. "
        "Итальянская Eni расширит участие в проектах в Казахстане.",
    ),
    (
        "kk",
        "Қазақстан мен Еуропалық одақ көлік дәлізін дамытады",
        "Еуропалық одақ Транскаспий халықаралық көлік бағытын дамытуға қаржы бөледі. "
        "Қазақстан Ақтау портының қуатын арттырады.",
    ),
    (
        "de",
        "Kasachstan und die EU vereinbaren engere Zusammenarbeit bei Wasserstoff",
        "Die Europäische Union und Kasachstan wollen gemeinsam grünen Wasserstoff für den europäischen Markt erzeugen.",
    ),
]


@pytest.mark.parametrize(("lang", "title", "text"), RELEVANT, ids=[r[0] for r in RELEVANT])
def test_kazakhstan_with_the_eu_or_a_member_state_is_relevant(
    classifier: KeywordClassifier, lang: str, title: str, text: str
) -> None:
    result = classify(classifier, title, text)
    assert result.relevant, result.reason
    assert result.lang == lang
    assert result.reason.startswith("relevant: Kazakhstan with")
    sides = {e.term.split(":", 1)[0] for e in result.evidence}
    assert {"kz", "eu"} <= sides


NOT_RELEVANT = [
    (
        "China",
        "Kazakhstan and China open new railway crossing",
        "Kazakhstan and China opened a third railway crossing on their border, Kazakh President Tokayev and "
        "Chinese leader Xi Jinping said. Cargo trains to Europe will save two days.",
        "Kazakhstan with China only",
    ),
    (
        "Russia",
        "Казахстан и Россия договорились о поставках газа",
        "Правительства Казахстана и России подписали соглашение о поставках российского газа в северные "
        "регионы Казахстана. Документ подписан в Москве.",
        "Kazakhstan with Russia only",
    ),
    (
        "US",
        "US firm to mine Kazakh tungsten",
        "An American company signed a deal with Kazakhstan to develop a tungsten deposit, the US embassy in "
        "Astana said. Washington wants to reduce its reliance on China.",
        "Kazakhstan with",
    ),
    (
        "UK",
        "Britain and Kazakhstan sign education memorandum",
        "The United Kingdom and Kazakhstan agreed to open branches of British universities in Almaty. "
        "The British Council will train English teachers in Kazakh schools.",
        "Kazakhstan with United Kingdom only",
    ),
    (
        "Turkey",
        "Türkiye ile Kazakistan: Erdoğan in Astana",
        "Turkish President Erdoğan met Kazakh President Tokayev in Astana to discuss trade and drones. "
        "Türkiye is one of Kazakhstan's biggest investors.",
        "Kazakhstan with Turkey only",
    ),
    (
        "Norway and Switzerland",
        "Norway and Switzerland back Kazakh solar projects",
        "Norwegian and Swiss investors will finance two solar plants in southern Kazakhstan, "
        "the ambassadors of Norway and Switzerland said in Astana.",
        "Kazakhstan with",
    ),
    (
        "bidders",
        "Kazakhstan picks Rosatom for its first nuclear power plant",
        "Kazakhstan chose Russia's Rosatom to build its first nuclear power plant. Bids had also come from "
        "China's CNNC, South Korea's KHNP and France's EDF. Kazakh officials cited financing terms.",
        "only in a list",
    ),
    (
        "EU only",
        "EU adopts list of strategic raw materials projects",
        "The European Commission selected 47 projects in member states such as France, Germany and Sweden "
        "to mine and process lithium and rare earths in Europe.",
        "no Kazakhstan side",
    ),
    (
        "EU with Uzbekistan",
        "L'Union européenne et l'Ouzbékistan signent un accord de partenariat",
        "L'UE et l'Ouzbékistan ont signé à Bruxelles un accord de partenariat renforcé. Tachkent espère attirer "
        "des investissements européens dans le cuivre et l'or.",
        "with Uzbekistan, no Kazakhstan side",
    ),
    (
        "domestic",
        "Казахстан построит завод зеленого водорода в Павлодаре",
        "Министерство энергетики Казахстана утвердило план строительства завода по производству водорода "
        "в Павлодарской области. Проект реализуют местные инвесторы.",
        "Kazakhstan, no EU side",
    ),
]


@pytest.mark.parametrize(("case", "title", "text", "reason"), NOT_RELEVANT, ids=[r[0] for r in NOT_RELEVANT])
def test_what_is_not_kazakhstan_eu_cooperation_is_not_relevant_and_says_why(
    classifier: KeywordClassifier, case: str, title: str, text: str, reason: str
) -> None:
    result = classify(classifier, title, text)
    assert not result.relevant, f"{case}: {result.reason}"
    assert result.reason.startswith("not relevant: ")
    assert reason in result.reason


def test_relevance_threshold_is_configurable(classifier: KeywordClassifier) -> None:
    title, text = RELEVANT[0][1], RELEVANT[0][2]
    score = classify(classifier, title, text).relevance
    assert 0 < score < 1
    strict = KeywordClassifier.from_options({"threshold": min(1.0, score + 0.01)})
    lenient = KeywordClassifier.from_options({"threshold": 0})
    assert not classify(strict, title, text).relevant
    assert "not relevant" in classify(strict, title, text).reason
    assert classify(lenient, "Weather", "Sunny in Paris and Almaty.").relevant


# --- acronyms, scripts and entities -----------------------------------------------------------


def test_acronyms_match_whole_words_only(classifier: KeywordClassifier) -> None:
    # French "eu" (had) is not the EU; "l'UE" is
    verb = classify(
        classifier,
        "Le Kazakhstan réforme ses tribunaux",
        "La réunion a eu lieu à Astana. Il y a eu des débats.",
    )
    assert not any(e.term.startswith("eu:") for e in verb.evidence)
    noun = classify(
        classifier, "Le Kazakhstan et l'UE", "La réunion entre le Kazakhstan et l'UE a eu lieu à Astana."
    )
    assert "eu:European Union" in {e.term for e in noun.evidence}
    # Russian "ЕС" (EU) is not the start of "ЕСЛИ" (if), even in capitals
    caps = classify(
        classifier, "ЕСЛИ КАЗАХСТАН ПОВЫСИТ ТАРИФЫ", "Если тарифы вырастут, цены в Казахстане поднимутся."
    )
    assert "European Union" not in {e.name for e in caps.entities}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Union européenne", "fr"),
        ("EU", "en"),
        ("Европейский союз", "ru"),
        ("ЕС", "ru"),
        ("Еуропалық одақ", "kk"),
        ("ЕО", "kk"),
        ("ЕуроОдақпен", "kk"),
        ("Europäischen Union", "de"),
    ],
)
def test_the_eu_is_one_entity_in_every_script(classifier: KeywordClassifier, text: str, lang: str) -> None:
    result = classify(classifier, "", f"{text} — Kazakhstan / Қазақстан", lang=lang)
    assert "European Union" in {e.name for e in result.entities}


@pytest.mark.parametrize(
    "spelling", ["Tokayev", "Tokaïev", "Tokajew", "Токаев", "Токаевым", "Тоқаев", "Тоқаевтың"]
)
def test_tokayev_is_one_person_in_every_spelling(classifier: KeywordClassifier, spelling: str) -> None:
    result = classify(classifier, "", f"President {spelling} spoke.")
    assert [e for e in result.entities if e.name == "Kassym-Jomart Tokayev" and e.kind == "person"]


def test_kazakh_suffixes_are_matched_by_prefix_stems(classifier: KeywordClassifier) -> None:
    result = classify(
        classifier,
        "Қазақстанның мұнайы Еуропаға жеткізіледі",
        "Қазақстанның мұнайын Германияға жеткізу көлемі артты. Мұнайды құбыр арқылы тасымалдайды.",
    )
    assert result.lang == "kk"
    assert {"Kazakhstan", "Germany"} <= {e.name for e in result.entities}
    energy = next(t for t in result.topics if t.topic == "energy")
    assert "мұнай" in {e.term for e in energy.evidence}


def test_russian_words_are_stemmed(classifier: KeywordClassifier) -> None:
    result = classify(
        classifier,
        "Казахстан и ЕС обсудили поставки урана",
        "Стороны обсудили поставки урана и строительство атомной электростанции. Урановые компании Казахстана "
        "расширяют добычу.",
    )
    energy = next(t for t in result.topics if t.topic == "energy")
    assert len(energy.evidence) >= 3


# --- topics --------------------------------------------------------------------------------


def test_a_passing_list_does_not_tag_its_topics(classifier: KeywordClassifier) -> None:
    listed = classify(
        classifier,
        "Kazakhstan and Germany sign memorandum",
        "Kazakhstan and Germany signed a memorandum on cooperation in energy, transport, education and "
        "agriculture. The document was signed in Berlin.",
    )
    assert not topics(listed) & {"energy", "transport_logistics", "education_culture"}
    developed = classify(
        classifier,
        "Kazakhstan and Germany sign memorandum",
        "Kazakhstan and Germany signed a memorandum on green hydrogen. German companies will build wind farms "
        "and electrolysers in Mangystau, and the hydrogen will be shipped to Europe as ammonia.",
    )
    assert "energy" in topics(developed)


def test_each_further_mention_of_a_term_adds_less_however_often_it_comes(
    classifier: KeywordClassifier,
) -> None:
    def energy(mentions: int) -> tuple[float, int]:
        lead = (
            "Kazakhstan and France discussed supplies for the coming years at a meeting in Astana, where"
            " ministers of both countries met business leaders and officials of several agencies.\n\n"
        )
        text = lead + "Uranium shipments continue. " * mentions
        every_topic = KeywordClassifier.from_options({"topic_threshold": 0})
        tag = next(
            t for t in classify(every_topic, "Kazakh-French talks", text, "en").topics if t.topic == "energy"
        )
        (line,) = [e for e in tag.evidence if e.term == "uranium" and e.field == "body"]
        return line.weight, line.count

    # past the precomputed table (63) the sum goes on by its formula, still growing slowly
    (w20, n20), (w63, n63), (w64, n64), (w200, n200) = energy(20), energy(63), energy(64), energy(200)
    assert (n20, n63, n64, n200) == (20, 63, 64, 200)
    assert w20 < w63 < w64 < w200 < 2 * w63


def test_title_and_lead_weigh_more_than_the_body(classifier: KeywordClassifier) -> None:
    filler = (
        "Officials of both countries met in Astana on Tuesday for a round of consultations that the two"
        " governments described as useful and friendly, according to their statements.\n\n"
        + "The delegation also visited a museum. "
        * 3
    )
    in_title = classify(classifier, "Kazakhstan and France discuss uranium", filler)
    in_body = classify(
        classifier,
        "Kazakhstan and France meet",
        filler + "They discussed uranium.",
    )

    def energy(result: Classification) -> float:
        return next((t.score for t in result.topics if t.topic == "energy"), 0.0)

    zero = KeywordClassifier.from_options({"topic_threshold": 0})
    assert energy(classify(zero, "Kazakhstan and France discuss uranium", filler)) > energy(
        classify(
            zero,
            "Kazakhstan and France meet",
            filler + "They discussed uranium.",
        )
    )
    assert "energy" in topics(in_title) and "energy" not in topics(in_body)


def test_every_topic_has_evidence_with_a_field(classifier: KeywordClassifier) -> None:
    result = classify(classifier, *_seed("002"))
    assert set(topics(result)) <= set(TOPICS)
    for tag in result.topics:
        assert 0.0 <= tag.score <= 1.0
        assert tag.evidence
        assert all(
            e.field in {"title", "lead", "body"} and e.count >= 1 and e.weight > 0 for e in tag.evidence
        )
    assert result.topics == tuple(sorted(result.topics, key=lambda t: (-t.score, t.topic)))


def test_relevance_evidence_names_both_sides_and_where_they_were_found(classifier: KeywordClassifier) -> None:
    result = classify(classifier, *_seed("003"))
    by_term = {(e.term, e.field) for e in result.evidence}
    assert ("kz:Kazakhstan", "title") in by_term
    assert ("eu:France", "title") in by_term
    assert result.classifier == "keywords" and 0.0 <= result.relevance <= 1.0


# --- language ------------------------------------------------------------------------------


def test_language_is_detected_only_when_not_given(classifier: KeywordClassifier) -> None:
    text = "Le Kazakhstan et l'Union européenne renforcent leur coopération dans l'énergie."
    assert classify(classifier, "", text).lang == "fr"
    assert classify(classifier, "", text, lang="fr-FR").lang == "fr"
    assert classify(classifier, "", text, lang="EN").lang == "en"  # the caller knows best


def test_an_empty_document_is_not_relevant(classifier: KeywordClassifier) -> None:
    result = classify(classifier, "", "")
    assert not result.relevant and result.lang is None and result.topics == () and result.entities == ()


# --- options -------------------------------------------------------------------------------


def test_the_classifier_meets_the_plugin_contract(classifier: KeywordClassifier) -> None:
    assert isinstance(classifier, Classifier)
    assert classifier.name == "keywords"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"treshold": 0.4}, "unknown key 'treshold'"),
        ({"threshold": "high"}, "'threshold' must be"),
        ({"threshold": True}, "'threshold' must be"),
        ({"threshold": 1.5}, "'threshold' must be between 0 and 1"),
        ({"topic_threshold": -0.1}, "'topic_threshold' must be between 0 and 1"),
        ({"topics": {"energy": {"term": ["x"]}}}, "classifier.topics.energy: unknown key 'term'"),
        ({"topics": {"energy": {"terms": "shale"}}}, "classifier.topics.energy: 'terms' must be"),
        ({"topics": {"energy": {"terms": {"es": ["petróleo"]}}}}, "unknown language 'es'"),
        ({"topics": {"energy": {"terms": ["ab*"]}}}, "shorter than 3 letters"),
        ({"topics": {"energy": {"replace": "yes"}}}, "'replace' must be true or false"),
        ({"topics": {"Health Care": {"terms": ["hospital"]}}}, "lower-case letters"),
        ({"topics": {"health": {}}}, "a new topic needs 'terms'"),
        ({"entities": [{"name": "Acme", "kind": "org", "aliases": ["Acme"]}]}, "missing key 'side'"),
        (
            {"entities": [{"name": "Acme", "kind": "org", "side": "mars", "aliases": ["Acme"]}]},
            "'side' must be one of",
        ),
    ],
)
def test_bad_options_raise_config_error_naming_the_key(options: Mapping[str, Any], message: str) -> None:
    with pytest.raises(
        ConfigError, match=message.replace("(", r"\(").replace("*", r"\*").replace("+", r"\+")
    ):
        KeywordClassifier.from_options(options)


def test_users_can_extend_a_topic() -> None:
    title, text = (
        "Kazakhstan and France talk fertiliser",
        (
            "Kazakhstan and France agreed to build a potash plant. Fertiliser exports will go to French farmers. "
            "The fertiliser plant opens in 2027."
        ),
    )
    plain = KeywordClassifier.from_options({})
    extended = KeywordClassifier.from_options(
        {"topics": {"raw_materials": {"terms": ["potash", "fertiliser"]}}}
    )
    assert "raw_materials" not in topics(classify(plain, title, text))
    tag = next(t for t in classify(extended, title, text).topics if t.topic == "raw_materials")
    assert {"potash", "fertiliser"} <= {e.term for e in tag.evidence}


def test_users_can_replace_a_topic_and_add_a_new_one() -> None:
    options = {
        "topics": {
            "energy": {"terms": {"en": ["shale"]}, "replace": True},
            "agriculture": {"terms": {"en": ["wheat", "grain"], "fr": ["blé"]}, "weak": ["harvest"]},
        }
    }
    custom = KeywordClassifier.from_options(options)
    vocabulary = load_vocabulary(options["topics"])
    assert vocabulary.topic("energy").terms == {"en": ("shale",)}
    assert vocabulary.topic("agriculture").label == "Agriculture"
    result = classify(
        custom, "Kazakhstan ships wheat and uranium to Italy", "Kazakh grain and uranium reach Italian ports."
    )
    assert "agriculture" in topics(result) and "energy" not in topics(result)


def test_users_can_add_entities() -> None:
    options = {
        "entities": [
            {"name": "Acme Mining", "kind": "org", "side": "eu", "country": "Belgium", "aliases": ["Acme*"]}
        ]
    }
    custom = KeywordClassifier.from_options(options)
    result = classify(
        custom, "Acme signs Kazakh lithium deal", "Acme's Kazakh lithium project starts in Karaganda."
    )
    assert "Acme Mining" in {e.name for e in result.entities}
    assert result.relevant, result.reason
    assert any(e.name == "Acme Mining" for e in load_gazetteer(options["entities"]).entries)


def test_names_match_leftmost_longest_and_never_twice() -> None:
    """A phrase takes its words from shorter names; of two overlapping phrases the first wins;
    an alias two entries share counts for both."""
    entities = [
        {"name": "Green Steel", "kind": "org", "side": "eu", "country": "Sweden", "aliases": ["Green Steel"]},
        {
            "name": "Steel Works",
            "kind": "org",
            "side": "eu",
            "country": "Austria",
            "aliases": ["Steel Works"],
        },
        {"name": "Works", "kind": "org", "side": "eu", "country": "Austria", "aliases": ["Works"]},
        {"name": "Atlas One", "kind": "org", "side": "eu", "country": "Italy", "aliases": ["Atlas"]},
        {"name": "Atlas Two", "kind": "org", "side": "eu", "country": "Spain", "aliases": ["Atlas"]},
    ]
    custom = KeywordClassifier.from_options({"entities": entities})
    text = "Kazakhstan met Green Steel Works. Steel Works and Atlas followed. Works council."
    counts = {e.name: e.mentions for e in classify(custom, "Kazakh metal talks", text, "en").entities}
    # "Green Steel Works": "Green Steel" comes first, so "Steel Works" cannot match there
    assert counts["Green Steel"] == 1
    assert counts["Steel Works"] == 1
    # "Works" alone: after "Green Steel" and in "council", not inside "Steel Works"
    assert counts["Works"] == 2
    assert counts["Atlas One"] == counts["Atlas Two"] == 1


def test_the_packaged_data_covers_every_topic_and_language() -> None:
    vocabulary = load_vocabulary()
    assert vocabulary.names == TOPICS
    for topic in vocabulary.topics:
        assert {"en", "fr", "de", "ru", "kk"} <= set(topic.terms), topic.name
    sides = {e.side for e in load_gazetteer()}
    assert sides == {"kz", "eu", "other", "none"}


# --- the plugin ----------------------------------------------------------------------------


def test_hook_register_classifiers_provides_keywords() -> None:
    from kzfeed.default_plugins import keywords

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(keywords)
    registered: dict[str, Callable[[Mapping[str, Any]], Classifier]] = {}
    pm.hook.register_classifiers(register=registered.__setitem__)
    assert list(registered) == ["keywords"]
    built = registered["keywords"]({"threshold": 0.6})
    assert isinstance(built, KeywordClassifier) and built.threshold == 0.6
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        registered["keywords"]({"colour": "blue"})


# --- the labelled set ----------------------------------------------------------------------

LABELS = Path(__file__).resolve().parent / "data" / "classifier"


def test_the_labelled_set_is_big_varied_and_split() -> None:
    from collections import Counter

    from kzfeed.classify._evaluate import load_labels

    dev, test = load_labels(LABELS / "dev.jsonl"), load_labels(LABELS / "test.jsonl")
    everything = dev + test
    assert len(everything) >= 400
    forms = Counter(r.form for r in everything)
    assert forms["full"] >= 120 and forms["short"] >= 100, forms
    assert sum(not r.relevant for r in everything) >= 100
    assert sum(len(r.passing_topics) for r in everything if r.form == "full") >= 50
    for split in (dev, test):
        assert {r.form for r in split} == {"full", "short", "medium"}
    assert 0.28 <= len(test) / len(everything) <= 0.4
    assert len({r.id for r in everything}) == len(everything)
    # held out after the test split had been read, after fresh had been read, and in round four
    fresh, fresh2 = load_labels(LABELS / "fresh.jsonl"), load_labels(LABELS / "fresh2.jsonl")
    fresh3 = load_labels(LABELS / "fresh3.jsonl")
    assert len(fresh) >= 50 and {r.lang for r in fresh} == {"en", "fr", "de", "ru", "kk"}
    assert len(fresh3) >= 80 and Counter(r.form for r in fresh3) == {"full": 40, "short": 40}
    assert all(1500 <= len(r.text) <= 5000 for r in fresh3 if r.form == "full")
    fresh4 = load_labels(LABELS / "fresh4.jsonl")
    assert Counter(r.form for r in fresh4) == {"full": 20, "short": 20}
    assert Counter(r.lang for r in fresh4) == {lang: 8 for lang in ("en", "fr", "de", "ru", "kk")}
    assert all(1500 <= len(r.text) <= 5000 for r in fresh4 if r.form == "full")
    ids = [r.id for r in everything + fresh + fresh2 + fresh3 + fresh4]
    assert len(set(ids)) == len(ids)
    per_lang = Counter(r.lang for r in everything)
    assert set(per_lang) == {"en", "fr", "de", "ru", "kk"} and min(per_lang.values()) >= 15
    for split in (dev, test):
        for lang in per_lang:
            labels = {r.relevant for r in split if r.lang == lang}
            assert labels == {True, False}, f"{lang}: the split needs relevant and not relevant articles"
    assert 0.3 <= sum(r.relevant for r in everything) / len(everything) <= 0.7
    for record in everything:
        assert set(record.topics) | set(record.passing_topics) <= set(TOPICS), record.id
        if record.form == "full":
            assert 1500 <= len(record.text) <= 5000, record.id
        assert bool(record.topics) == record.relevant, (
            f"{record.id}: topics are labelled on relevant articles"
        )
        assert record.title, f"{record.id}: a headline"
        if record.form != "short":  # a short report may be one paragraph of 1-4 sentences
            assert record.text.count("\n\n") >= 1, f"{record.id}: a headline and paragraphs"


# fresh5, held out in round six: the languages written so far (README, "The fresh5 split")
FRESH5_LANGS = ("en", "fr", "de", "ru", "kk")


def test_the_fresh5_split_is_shaped_as_its_readme_says() -> None:
    """Per language 7 full-length articles (5 relevant, 2 off-beat) and 7 short reports (4 + 3),
    ids new across every split, and the passing mentions the split was written to measure."""
    import re
    from collections import Counter

    from kzfeed.classify._evaluate import load_labels

    fresh5 = load_labels(LABELS / "fresh5.jsonl")
    assert Counter(r.lang for r in fresh5) == {lang: 14 for lang in FRESH5_LANGS}
    for lang in FRESH5_LANGS:
        mine = [r for r in fresh5 if r.lang == lang]
        shape = Counter((r.form, r.relevant) for r in mine)
        assert shape == {("full", True): 5, ("full", False): 2, ("short", True): 4, ("short", False): 3}, lang
    for record in fresh5:
        kind = "f" if record.form == "full" else "s"
        assert re.fullmatch(rf"{record.lang}-{kind}w\d\d", record.id), record.id
        if record.form == "full":
            assert 1500 <= len(record.text) <= 3000, record.id
            assert record.text.count("\n\n") >= 3, f"{record.id}: paragraphs"
        else:
            assert len(re.findall(r"[.!?](?=\s|$)", record.text)) <= 3, f"{record.id}: 1-3 sentences"
        assert bool(record.topics) == record.relevant, record.id
        assert not set(record.topics) & set(record.passing_topics), record.id
        assert set(record.topics) | set(record.passing_topics) <= set(TOPICS), record.id
        if record.form == "full" and record.relevant:
            assert 1 <= len(record.passing_topics) <= 2, f"{record.id}: written with 1-2 passing topics"
    passing = sum(len(r.passing_topics) for r in fresh5)
    assert passing >= 8 * len(FRESH5_LANGS), passing
    main = Counter(topic for r in fresh5 for topic in r.topics)
    assert all(main[topic] >= 4 for topic in TOPICS), main  # every topic is the main one of 4+ items
    earlier = ("dev", "test", "fresh", "fresh2", "fresh3", "fresh4")
    ids = [r.id for split in earlier for r in load_labels(LABELS / f"{split}.jsonl")]
    assert not {r.id for r in fresh5} & set(ids)
    assert len({r.id for r in fresh5}) == len(fresh5)


@pytest.mark.parametrize("with_lang", [True, False], ids=["language given", "language detected"])
@pytest.mark.parametrize("split", ["test", "dev", "fresh", "fresh3"])
def test_scores_on_the_labelled_set_stay_above_the_floor(
    classifier: KeywordClassifier, split: str, with_lang: bool
) -> None:
    """The issue's targets, as floors: a change that loses accuracy fails here (docs/classifier.md)."""
    from kzfeed.classify._evaluate import evaluate, load_labels

    report = evaluate(classifier, load_labels(LABELS / f"{split}.jsonl"), with_lang=with_lang)
    assert report.relevance.f1 >= 0.97, [m.id for m in report.misclassified]
    assert report.overall.offbeat_relevant_rate <= 0.01, [m.id for m in report.misclassified]
    assert report.topics_micro_f1 >= 0.85, [
        (m.id, m.missing_topics, m.extra_topics) for m in report.topic_errors
    ]


def test_language_detection_agrees_with_the_labels() -> None:
    from kzfeed.classify._evaluate import load_labels
    from kzfeed.lang import detect_language

    records = load_labels(LABELS / "dev.jsonl") + load_labels(LABELS / "test.jsonl")
    wrong = [r.id for r in records if detect_language(r.text, title=r.title) != r.lang]
    assert len(wrong) <= len(records) // 50, wrong


# --- the examples in docs/classifier.md ------------------------------------------------------

DOC = Path(__file__).resolve().parents[1] / "docs" / "classifier.md"


def _blocks(language: str) -> list[str]:
    import re

    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_docs_python_examples_run() -> None:
    usage, plugin = _blocks("python")
    exec(compile(usage, f"{DOC}:usage", "exec"), {})  # its asserts describe the result

    namespace: dict[str, Any] = {}
    exec(compile(plugin, f"{DOC}:plugin", "exec"), namespace)
    module = type("DocPlugin", (), {"register_classifiers": staticmethod(namespace["register_classifiers"])})
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(module)
    registered: dict[str, Callable[[Mapping[str, Any]], Classifier]] = {}
    pm.hook.register_classifiers(register=registered.__setitem__)
    config = _toml_blocks_with_classifier()["wordlist"]
    built = registered["wordlist"](config)
    assert isinstance(built, Classifier)
    result = built.classify(Document(title="Kazakhstan and Brussels", text="Oil talks.", lang="en"))
    assert result.relevant and result.classifier == "wordlist"


def _toml_blocks_with_classifier() -> dict[str, dict[str, Any]]:
    import tomllib

    found = {}
    for block in _blocks("toml"):
        table = tomllib.loads(block).get("classifier")
        if table is not None:
            options = dict(table)
            found[options.pop("name")] = options
    return found


def test_docs_configuration_example_is_valid_and_does_what_it_says() -> None:
    options = _toml_blocks_with_classifier()["keywords"]
    custom = KeywordClassifier.from_options(options)
    assert custom.threshold == 0.55
    vocabulary = load_vocabulary(options["topics"])
    assert "agriculture" in vocabulary.names
    assert "shale gas" in vocabulary.topic("energy").terms["all"]
    assert "counter-terrorism" in vocabulary.topic("security").terms["en"]
    assert "terrorism" not in vocabulary.topic("security").terms.get("en", ())  # replaced
    result = classify(
        custom, "Kazakhstan and Belgium's Acme Mining export wheat", "Kazakh wheat and grain harvest."
    )
    assert "agriculture" in topics(result) and "Acme Mining" in {e.name for e in result.entities}


def test_docs_file_shape_examples_are_valid() -> None:
    import tomllib

    topic, entity = (tomllib.loads(b) for b in _blocks("toml") if "classifier" not in tomllib.loads(b))
    load_vocabulary({name: {**table, "replace": True} for name, table in topic.items()})
    assert load_gazetteer(entity["entity"]).entries[-1].name == "Kassym-Jomart Tokayev"
