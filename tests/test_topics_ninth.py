"""Round nine (issue 15): drug crime is security, the people who teach a course are general words,
radioactive waste and contamination are environment, and Russian water is a general word."""

from __future__ import annotations

import pytest

from kzfeed.classify import KeywordClassifier
from topic_cases import report, topics


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        (
            "EU course teaches Kazakh police to follow the money of narcotics dealers",
            "Kazakh police investigators attended an EU-funded course on how synthetic drugs are "
            "ordered through messaging apps. The trainers were officers from Poland and Latvia.",
            "en",
        ),
        (
            "Des policiers kazakhs formés à la lutte contre les stupéfiants",
            "Des enquêteurs de la police du Kazakhstan ont suivi une formation financée par l'Union "
            "européenne sur les drogues de synthèse vendues en ligne. Les enseignants venaient de "
            "polices européennes.",
            "fr",
        ),
        (
            "EU schult kasachische Polizisten im Kampf gegen synthetische Drogen",
            "Kasachische Ermittler haben einen von der EU finanzierten Kurs über den Verkauf von "
            "Drogen über Messenger-Dienste abgeschlossen. Die Ausbilder kamen aus Polen.",
            "de",
        ),
        (
            "ЕС обучил казахстанских полицейских раскрывать торговлю наркотиками",
            "Следователи полиции Казахстана прошли финансируемый Евросоюзом курс о продаже "
            "синтетических наркотиков через мессенджеры. Преподавателями были полицейские из Польши.",
            "ru",
        ),
        (
            "Қазақстан полицейлері есірткі саудасын тергеуді үйренді",
            "Қазақстан полиция қызметкерлері Еуропалық одақ қаржыландырған синтетикалық есірткіні "
            "тергеу курсынан өтті. Оқытушылар Польша полициясынан келді.",
            "kk",
        ),
    ],
    ids=["en", "fr", "de", "ru", "kk"],
)
def test_a_police_course_on_drug_crime_is_security(
    classifier: KeywordClassifier, title: str, text: str, lang: str
) -> None:
    """Narcotics, synthetic drugs and the drug trade are security in five languages; an EU course
    for police is about the police work, so its trainers and teachers (*Преподаватели*,
    *Оқытушылар*, *enseignants*) are general words beside it, and the Kazakh *есірткі саудасы*
    (drug trade) is no trade (fresh7's reports on police trained to trace drugs sold online)."""
    result = report(classifier, title, text, lang)
    assert result.relevant, result.reason
    assert topics(result) == ["security"]


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        (
            "EU project maps contamination around a closed uranium plant",
            "An EU-funded project is measuring the radioactivity of the site of a closed uranium "
            "plant in Kazakhstan and the contamination of the groundwater, so that the remediation "
            "of the site can be planned.",
            "en",
        ),
        (
            "L'UE aide le Kazakhstan à surveiller la radioactivité d'un ancien site minier",
            "Un projet financé par l'Union européenne cartographie la radioactivité autour d'une "
            "ancienne usine d'uranium au Kazakhstan et surveille la nappe phréatique voisine.",
            "fr",
        ),
        (
            "EU-Projekt misst Strahlenbelastung an stillgelegter Uranfabrik in Kasachstan",
            "Ein von der EU finanziertes Projekt erfasst die Strahlenbelastung rund um eine "
            "stillgelegte Uranfabrik in Kasachstan und überwacht das Grundwasser.",
            "de",
        ),
        (
            "ЕС поможет Казахстану оценить радиоактивность бывшего уранового завода",
            "Проект, финансируемый Евросоюзом, измерит радиоактивность территории закрытого "
            "уранового завода в Казахстане и состояние подземных вод.",
            "ru",
        ),
        (
            "ЕО жобасы бұрынғы уран зауытының радиоактивтілігін өлшейді",
            "Еуропалық одақ қаржыландырған жоба Қазақстандағы жабылған уран зауыты аумағының "
            "радиоактивтілігін өлшеп, жер асты суларының жай-күйін бақылайды.",
            "kk",
        ),
    ],
    ids=["en", "fr", "de", "ru", "kk"],
)
def test_radioactivity_and_contamination_of_a_site_are_environment(
    classifier: KeywordClassifier, title: str, text: str, lang: str
) -> None:
    """Radioactive waste, radioactivity, contamination and groundwater are environment in five
    languages (fresh7's article on the BN-350 reactor, whose site and groundwater were monitored)."""
    result = report(classifier, title, text, lang)
    assert result.relevant, result.reason
    assert "environment_climate" in topics(result)


def test_german_waste_is_environment_in_the_plural(classifier: KeywordClassifier) -> None:
    """*Abfall** did not start *Abfälle*: the plural, with its umlaut, is a term of its own."""
    result = report(
        classifier,
        "EU hilft Kasachstan bei der Entsorgung radioaktiver Abfälle",
        "Die Europäische Union unterstützt Kasachstan bei der sicheren Lagerung der Abfälle "
        "eines stillgelegten Reaktors.",
        "de",
    )
    assert "environment_climate" in topics(result)


def test_desalinated_water_for_a_plant_is_no_environment_in_russian(classifier: KeywordClassifier) -> None:
    """Russian *вода* is a general word, as *water*, *eau*, *Wasser* and *су* are in the other
    languages: a hydrogen plant run on desalinated water is energy (and the company's deal),
    not an environment report (fresh7's ``ru-su04``); water resources still are."""
    plant = report(
        classifier,
        "Нидерландская компания построит электролизер под Актау",
        "Нидерландская компания подписала соглашение о строительстве под Актау установки по "
        "производству зеленого водорода. Для электролиза будут использовать опресненную воду Каспия.",
        "ru",
    )
    assert "environment_climate" not in topics(plant)
    assert topics(plant)[:1] == ["energy"]
    water = report(
        classifier,
        "ЕС и Казахстан обсудили водные ресурсы Центральной Азии",
        "Евросоюз и Казахстан обсудили управление водными ресурсами в Центральной Азии и нехватку "
        "воды в бассейне Сырдарьи.",
        "ru",
    )
    assert topics(water)[:1] == ["environment_climate"]
