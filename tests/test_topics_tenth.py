"""Round ten (issue 15, after fresh8 was read): wildlife and habitats are environment, civil
protection, CBRN threats and demining are security, and the Ile-Alatau park is a place in
Kazakhstan."""

from __future__ import annotations

import pytest

from kzfeed.classify import KeywordClassifier
from topic_cases import report, topics


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        (
            "EU grant helps Kazakhstan count saigas on the steppe",
            "A grant from the European Union pays for rangers of a nature reserve in Kazakhstan to "
            "count saigas and protect the wildlife of their steppe habitat.",
            "en",
        ),
        (
            "L'UE aide le Kazakhstan à protéger les léopards des neiges",
            "Une subvention de l'Union européenne permet aux gardes d'une réserve naturelle du "
            "Kazakhstan de suivre les léopards des neiges, une espèce menacée.",
            "fr",
        ),
        (
            "EU fördert Schutz der Saiga-Antilopen in Kasachstan",
            "Mit Mitteln der Europäischen Union zählen Ranger eines kasachischen Nationalparks die "
            "Saiga-Antilopen und schützen ihren Lebensraum in der Steppe.",
            "de",
        ),
        (
            "ЕС поможет Казахстану сохранить сайгаков",
            "На средства Европейского союза сотрудники заповедника в Казахстане проведут учет "
            "сайгаков и займутся охраной мест обитания редких видов.",
            "ru",
        ),
        (
            "ЕО Қазақстанға киіктерді қорғауға көмектеседі",
            "Еуропалық одақтың қаржысымен Қазақстандағы ұлттық парк қызметкерлері киіктер мен "
            "ілбістерді санап, жабайы табиғатты қорғайды.",
            "kk",
        ),
    ],
    ids=["en", "fr", "de", "ru", "kk"],
)
def test_wildlife_and_its_habitat_are_environment(
    classifier: KeywordClassifier, title: str, text: str, lang: str
) -> None:
    """Wildlife, endangered species, nature reserves and national parks, habitats, saigas and snow
    leopards are environment in five languages (fresh8's snow-leopard count found no topic)."""
    result = report(classifier, title, text, lang)
    assert result.relevant, result.reason
    assert topics(result) == ["environment_climate"]


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        (
            "EU trains Kazakh civil protection teams for CBRN threats",
            "Instructors from Italy and Austria worked with Kazakh rescuers on the emergency "
            "response to radiological and chemical weapons threats.",
            "en",
        ),
        (
            "L'UE prépare la protection civile kazakhe aux menaces NRBC",
            "Des instructeurs italiens ont travaillé avec des secouristes du Kazakhstan sur les "
            "menaces radiologiques et les armes chimiques.",
            "fr",
        ),
        (
            "EU unterstützt den kasachischen Katastrophenschutz bei CBRN-Gefahren",
            "Ausbilder aus Österreich arbeiteten mit kasachischen Rettungskräften an der Abwehr "
            "radiologischer Gefahren und von Chemiewaffen.",
            "de",
        ),
        (
            "ЕС помогает гражданской защите Казахстана против химического оружия",
            "Инструкторы из Италии работали с казахстанскими спасателями над действиями при "
            "радиационных авариях и применении химического оружия.",
            "ru",
        ),
        (
            "ЕО қазақстандық құтқарушыларды радиациялық оқиғаларға дайындады",
            "Италиядан келген нұсқаушылар Қазақстанның құтқару бөлімшелерімен химиялық және "
            "радиациялық оқиғалар кезінде әрекет етуді пысықтады.",
            "kk",
        ),
    ],
    ids=["en", "fr", "de", "ru", "kk"],
)
def test_civil_protection_against_cbrn_threats_is_security(
    classifier: KeywordClassifier, title: str, text: str, lang: str
) -> None:
    """CBRN threats, civil protection, rescuers and the emergency response are security in five
    languages (fresh8's EU course for rescuers was tagged education or transport, not security)."""
    result = report(classifier, title, text, lang)
    assert result.relevant, result.reason
    assert topics(result) == ["security"]


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        (
            "Kazakh sappers join an EU demining project",
            "Kazakh army engineers will work with German experts on mine clearance and the "
            "removal of unexploded ordnance from former battlefields.",
            "en",
        ),
        (
            "Des démineurs kazakhs rejoignent un projet européen",
            "Des ingénieurs de l'armée du Kazakhstan participeront avec des experts allemands au "
            "déminage et à l'enlèvement des munitions non explosées.",
            "fr",
        ),
        (
            "Kasachische Pioniere beteiligen sich an EU-Projekt zur Minenräumung",
            "Pioniere der kasachischen Armee arbeiten mit deutschen Fachleuten an der Räumung von "
            "Landminen und Blindgängern.",
            "de",
        ),
        (
            "Казахстанские саперы присоединятся к проекту ЕС по разминированию",
            "Инженеры армии Казахстана вместе с немецкими специалистами займутся разминированием "
            "и уничтожением неразорвавшихся боеприпасов.",
            "ru",
        ),
        (
            "Қазақстан сапёрлары ЕО-ның миналардан тазарту жобасына қосылады",
            "Қазақстан армиясының инженерлері неміс мамандарымен бірге жерді миналардан тазартып, "
            "жарылмаған оқ-дәрілерді жояды.",
            "kk",
        ),
    ],
    ids=["en", "fr", "de", "ru", "kk"],
)
def test_demining_is_security(classifier: KeywordClassifier, title: str, text: str, lang: str) -> None:
    """Demining, mine clearance and unexploded ordnance are security in five languages (fresh8's
    German report on Kazakh sappers in Iraq found no security word)."""
    result = report(classifier, title, text, lang)
    assert result.relevant, result.reason
    assert topics(result) == ["security"]


@pytest.mark.parametrize(
    ("title", "text", "lang"),
    [
        (
            "Un projet allemand protège les loups de l'Ile-Alataou",
            "Un projet financé par l'Allemagne aide les gardes du parc de l'Ile-Alataou à suivre "
            "les loups de la montagne.",
            "fr",
        ),
        (
            "Германия поможет защитить волков Иле-Алатауского парка",
            "Проект, финансируемый Германией, поможет сотрудникам Иле-Алатауского парка следить "
            "за горными волками.",
            "ru",
        ),
        (
            "Германия Іле Алатауы паркіндегі қасқырларды қорғауға көмектеседі",
            "Германия қаржыландыратын жоба Іле Алатауы паркінің қызметкерлеріне тау қасқырларын "
            "бақылауға көмектеседі.",
            "kk",
        ),
    ],
    ids=["fr", "ru", "kk"],
)
def test_the_ile_alatau_park_is_in_kazakhstan(
    classifier: KeywordClassifier, title: str, text: str, lang: str
) -> None:
    """A German project in the Ile-Alatau park above Almaty has a Kazakh side, though Kazakhstan
    is not named (fresh8's short snow-leopard reports read "Germany only")."""
    result = report(classifier, title, text, lang)
    assert result.relevant, result.reason
