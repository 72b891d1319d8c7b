"""Round eight (issue 15): an article's second main topic, told in a section of its own."""

from __future__ import annotations

import pytest

from kzfeed.classify import KeywordClassifier, explain
from kzfeed.models import Classification, Document


@pytest.fixture(scope="module")
def classifier() -> KeywordClassifier:
    return KeywordClassifier.from_options({})


def topics(result: Classification) -> list[str]:
    return [t.topic for t in result.topics]


def article(classifier: KeywordClassifier, title: str, paragraphs: list[str]) -> Classification:
    return classifier.classify(Document(title=title, text="\n\n".join(paragraphs), lang="en"))


CORRIDOR = [
    "The European Union and Kazakhstan opened a conference on the Trans-Caspian transport route in "
    "Aktau on Monday, with ministers of transport from the countries along the corridor.",
    "The route runs by rail from the Chinese border to the Caspian ports of Aktau and Kuryk, by ferry "
    "to Baku and on by railway and road to the Black Sea ports and Europe.",
    "Freight on the corridor has grown fourfold in three years, and the ports plan new container "
    "terminals while the railway adds sidings and a second track to shorten transit times.",
    "Alongside the corridor the EU funds a programme for energy. It pays for studies of oil and gas "
    "pipelines under the Caspian, for advice on electricity grids and for renewable energy plans.",
    "The energy track also covers wind and solar power plants on the Caspian coast, whose electricity "
    "could one day reach Europe by cable, and the safety of the ageing oil pipelines.",
    "Logistics companies said the corridor still needs faster border crossings and common transit "
    "papers, so that a container crosses every border on one set of documents.",
]


def test_a_second_topic_with_a_paragraph_of_its_own_is_tagged(classifier: KeywordClassifier) -> None:
    """Transport fills the headline, the lead and most of the body; energy is far weaker, but the
    article gives it a paragraph of its own and develops it in the next: a second main topic (the
    TRACECA and INOGATE article of fresh6), and --explain says why."""
    result = article(classifier, "EU and Kazakhstan meet on the Trans-Caspian transport corridor", CORRIDOR)
    assert topics(result) == ["transport_logistics", "energy"]
    assert (
        "tagged: a second topic, with a paragraph of its own (not in the headline or the lead; developed in 2 of"
        in explain(result)
    )


def test_a_topic_that_leads_no_paragraph_is_still_passing(classifier: KeywordClassifier) -> None:
    """The same article with energy in two sentences that develop it but lead no paragraph (the
    corridor outweighs it in each): not a section of its own, so still not tagged."""
    paragraphs = [
        *CORRIDOR[:3],
        "The corridor's ports and railway also carry oil and gas equipment, and the railway to the "
        "ports and the ferry terminals will need more electricity, the transport ministers said.",
        "Transit on the railway and through the ports grows each year, and the ferries will also "
        "carry wind turbines and solar panels, the ministers of transport said.",
        CORRIDOR[5],
    ]
    result = article(classifier, "EU and Kazakhstan meet on the Trans-Caspian transport corridor", paragraphs)
    assert topics(result) == ["transport_logistics"]


MEMORANDUM = [
    "The President of Kazakhstan and the President of the European Commission signed a memorandum "
    "on energy cooperation in Brussels on Monday.",
    "The memorandum covers the security of energy supplies, the pipelines that carry Caspian oil and "
    "gas to Europe, energy efficiency and renewable power.",
    "Kazakhstan already exports most of its oil through one pipeline to the Black Sea, and the EU wants "
    "new routes for oil and gas that bypass the old ones.",
    "The visit was about politics as much as oil. Relations still rest on the Partnership and "
    "Cooperation Agreement of 1999, and Kazakh diplomats asked to be treated as a political partner "
    "and to hold regular summits with the EU's institutions.",
    "Analysts expect the first projects under the memorandum to concern the electricity grid and "
    "the refineries.",
]


def test_a_second_topic_named_in_the_lead_with_a_paragraph_of_its_own_is_tagged(
    classifier: KeywordClassifier,
) -> None:
    """Energy fills the article; the lead names the two presidents and one paragraph of the body
    is given to the politics of the visit (the 2006 memorandum of fresh6): political dialogue is
    the second topic. *Partnership and Cooperation Agreement* and *political partner* are its words."""
    result = article(classifier, "Kazakhstan and the EU sign an energy memorandum", MEMORANDUM)
    assert topics(result) == ["energy", "political_dialogue"]
    assert "tagged: a second topic, with a paragraph of its own" in explain(result)
    # without the lead naming it, one paragraph is not enough
    unannounced = article(
        classifier,
        "Kazakhstan and the EU sign an energy memorandum",
        [
            "The two sides signed a memorandum on energy cooperation in Brussels on Monday.",
            *MEMORANDUM[1:],
        ],
    )
    assert topics(unannounced) == ["energy"]
