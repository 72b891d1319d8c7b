"""Relevance: which side a name stands for, lists of bidders, partners on the way (issue 15)."""

from __future__ import annotations

import pytest

from kzfeed.classify import KeywordClassifier
from kzfeed.models import Document


@pytest.mark.parametrize(
    "region", ["Ostkasachstan", "Westkasachstan", "Nordkasachstan", "Südkasachstan", "Zentralkasachstan"]
)
def test_german_region_names_are_kazakhstan(classifier: KeywordClassifier, region: str) -> None:
    result = classifier.classify(
        Document(
            title=f"Deutsche Firma baut Kupfermine in {region}",
            text=f"Ein deutsches Unternehmen hat in {region} eine Lizenz für eine Kupfermine erhalten.",
            lang="de",
        )
    )
    assert result.relevant, result.reason
    assert any(e.name == "Kazakhstan" for e in result.entities)


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        (
            "European company to build a copper smelter in Kazakhstan",
            "A European company will build a copper smelter in the Pavlodar region, Kazakhstan's "
            "industry ministry said.",
            "en",
        ),
        (
            "Des investisseurs européens au Kazakhstan",
            "Des investisseurs européens vont financer une usine d'engrais dans la région de "
            "Kostanaï, a annoncé le gouvernement du Kazakhstan.",
            "fr",
        ),
        (
            "Европейские компании вложат средства в порт Актау",
            "Европейские компании вложат средства в расширение порта Актау, сообщило министерство "
            "транспорта Казахстана.",
            "ru",
        ),
    ],
)
def test_an_unnamed_european_company_is_the_eu_side(
    classifier: KeywordClassifier, title: str, text: str, lang: str
) -> None:
    result = classifier.classify(Document(title=title, text=text, lang=lang))
    assert result.relevant, result.reason


def test_a_losing_eu_bidder_the_article_comes_back_to_is_not_cooperation(
    classifier: KeywordClassifier,
) -> None:
    result = classifier.classify(
        Document(
            title="Kazakhstan picks Rosatom for its power plant, Siemens Energy loses out",
            text="Kazakhstan chose Russia's Rosatom to build a gas-fired power plant near Karaganda, the "
            "energy ministry said on Monday.\n\n"
            "The bids came from Rosatom, China's Harbin Electric, Turkey's Calik Enerji and Siemens "
            "Energy.\n\n"
            "Moscow offered a state loan to finance the plant, which will replace coal boilers built "
            "in the 1960s and supply heat to the city.\n\n"
            "For Siemens Energy, the defeat in Kazakhstan follows lost tenders in other countries of the "
            "region; the company declined to comment.",
            lang="en",
        )
    )
    assert not result.relevant, result.reason


def test_eu_companies_as_many_as_the_others_in_a_consortium_are_not_a_list(
    classifier: KeywordClassifier,
) -> None:
    result = classifier.classify(
        Document(
            title="Kazakhstan takes Kashagan partners to arbitration",
            text="Kazakhstan has started arbitration against the Kashagan consortium, whose shareholders "
            "include Italy's Eni, Britain's Shell, France's TotalEnergies and America's ExxonMobil.\n\n"
            "The government says cost overruns cut the state's share of the oil revenue.",
            lang="en",
        )
    )
    assert result.relevant, result.reason


def test_transit_states_of_the_caspian_route_do_not_push_the_eu_out(classifier: KeywordClassifier) -> None:
    result = classifier.classify(
        Document(
            title="Kazakh grain to reach Romania across the Caspian",
            text="Kazakhstan will ship grain to Romania across the Caspian Sea, through Azerbaijan and "
            "Georgia, officials said.\n\n"
            "Trains will carry the grain from Aktau's ferries across Azerbaijan to Georgia's Black Sea "
            "ports of Poti and Batumi, where Georgian crews load it onto ships.\n\n"
            "Azerbaijan's railway and Georgia's port operators promised faster customs checks, and Baku "
            "offered cheaper ferry tariffs.\n\n"
            "Azerbaijani officials said the route through Baku and Tbilisi would be ready by spring.",
            lang="en",
        )
    )
    assert result.relevant, result.reason


def test_europe_in_general_next_to_kazakhstan_in_the_headline_links_them(
    classifier: KeywordClassifier,
) -> None:
    result = classifier.classify(
        Document(
            title="Green power for Europe: Kazakhstan plans a cable under the Caspian",
            text="Kazakhstan and Uzbekistan want to export wind and solar power through a cable under the "
            "Caspian Sea to Azerbaijan, their energy ministers said after signing a memorandum in Baku "
            "on Tuesday.\n\n"
            "From Azerbaijan the power would run through Georgia and a cable under the Black Sea; "
            "Hungary and Romania are among the possible buyers.\n\n"
            "The European Commission already backs the Black Sea cable, and Romania's grid operator has "
            "started a study.\n\n"
            "Analysts doubt the cable can be built before 2035 and point to the cost of the long lines.",
            lang="en",
        )
    )
    assert result.relevant, result.reason
