"""The tone check on a table of French and English sentences: each flag, and calm texts that
raise none."""

import pytest

from incidents.communications.tone import CHANNEL_LIMITS, CODES, tone_check

# A sentence that satisfies the absence checks, appended where a row tests one flag only.
NEXT_FR = " Nous vous tiendrons informés d'ici ce soir."
NEXT_EN = " We will post an update today."

# (language, text, code expected, the excerpt it quotes). Severity low: no_acknowledgement off.
FLAGGED = [
    # shouting: capital words of 5 letters or more, or two in a row (7 letters or more)
    ("fr", "C'EST INACCEPTABLE." + NEXT_FR, "shouting", "C'EST INACCEPTABLE"),
    ("fr", "Nous ne sommes PAS DU TOUT d'accord." + NEXT_FR, "shouting", "PAS DU TOUT"),
    ("en", "This is URGENT." + NEXT_EN, "shouting", "URGENT"),
    ("en", "STOP THIS NOW." + NEXT_EN, "shouting", "STOP THIS NOW"),
    ("fr", "VOUS ÊTES PRÉVENUS." + NEXT_FR, "shouting", "VOUS ÊTES PRÉVENUS"),
    # repeated punctuation, French spacing included
    ("fr", "Merci de votre patience !!" + NEXT_FR, "repeated_punctuation", "!!"),
    ("fr", "Vraiment ? !" + NEXT_FR, "repeated_punctuation", "? !"),
    ("en", "Are you serious?!" + NEXT_EN, "repeated_punctuation", "?!"),
    ("en", "What???" + NEXT_EN, "repeated_punctuation", "???"),
    ("en", "Really‼" + NEXT_EN, "repeated_punctuation", "‼"),
    # insults and aggressive words
    ("fr", "Seul un idiot écrirait ça." + NEXT_FR, "insult", "idiot"),
    ("fr", "Arrêtez de raconter n'importe quoi." + NEXT_FR, "insult", "n'importe quoi"),
    ("fr", "Ces trolls ne méritent pas de réponse." + NEXT_FR, "insult", "trolls"),
    ("fr", "Quelle bande d'abrutis." + NEXT_FR, "insult", "bande d'abrutis"),
    ("fr", "Ferme-la." + NEXT_FR, "insult", "Ferme-la"),
    # after an elision (d', l', qu'…) the word is still found
    ("fr", "Espèce d'idiot." + NEXT_FR, "insult", "idiot"),
    ("fr", "Vous n\u2019êtes qu\u2019idiots." + NEXT_FR, "insult", "idiots"),
    ("en", "Only an idiot would say that." + NEXT_EN, "insult", "idiot"),
    ("en", "This complaint is ridiculous." + NEXT_EN, "insult", "ridiculous"),
    ("en", "Shut up and read." + NEXT_EN, "insult", "Shut up"),
    ("en", "Your claims are pathetic." + NEXT_EN, "insult", "pathetic"),
    # blaming the audience
    ("fr", "C'est de votre faute." + NEXT_FR, "blame", "C'est de votre faute"),
    ("fr", "C\u2019est votre faute." + NEXT_FR, "blame", "C\u2019est votre faute"),  # curly
    ("fr", "Vous auriez dû lire les conditions." + NEXT_FR, "blame", "Vous auriez dû"),
    ("fr", "Vous auriez du vérifier." + NEXT_FR, "blame", "Vous auriez du"),  # without accent
    ("fr", "Vous n'aviez qu'à vérifier." + NEXT_FR, "blame", "Vous n'aviez qu'à"),
    (
        "fr",
        "Comme indiqué dans nos CGV, le délai est de 30 jours." + NEXT_FR,
        "blame",
        "Comme indiqué dans nos CGV",
    ),
    ("fr", "Vous avez mal compris l'offre." + NEXT_FR, "blame", "Vous avez mal compris"),
    ("en", "You should have read the terms." + NEXT_EN, "blame", "You should have read"),
    ("en", "It's your own fault." + NEXT_EN, "blame", "It's your own fault"),
    ("en", "That is user error." + NEXT_EN, "blame", "user error"),
    (
        "en",
        "If you had read the manual, this would not happen." + NEXT_EN,
        "blame",
        "If you had read",
    ),
    # sarcasm and mockery
    ("fr", "Bravo pour votre sens de l'observation." + NEXT_FR, "sarcasm", "Bravo pour"),
    ("fr", "Merci pour rien." + NEXT_FR, "sarcasm", "Merci pour rien"),
    (
        "fr",
        "Comme par hasard, personne n'a vu le message." + NEXT_FR,
        "sarcasm",
        "Comme par hasard",
    ),
    (
        "fr",
        "Évidemment, vous savez mieux que nos ingénieurs." + NEXT_FR,
        "sarcasm",
        "Évidemment, vous",
    ),
    ("en", "Oh great, another complaint." + NEXT_EN, "sarcasm", "Oh great"),
    ("en", "Clearly you know better than our engineers." + NEXT_EN, "sarcasm", "Clearly you"),
    ("en", "Thanks for nothing." + NEXT_EN, "sarcasm", "Thanks for nothing"),
    ("en", "Nice try." + NEXT_EN, "sarcasm", "Nice try"),
    ("en", "Sure you did 🙄" + NEXT_EN, "sarcasm", "🙄"),
    # denial and defensive absolutes
    ("fr", "Nous n'avons jamais vendu vos données." + NEXT_FR, "denial", "Nous n'avons jamais"),
    ("fr", "Nous n\u2019avons jamais eu de fuite." + NEXT_FR, "denial", "Nous n\u2019avons jamais"),
    (
        "fr",
        "Nous déclinons toute responsabilité." + NEXT_FR,
        "denial",
        "Nous déclinons toute responsabilité",
    ),
    ("fr", "Aucune responsabilité de notre part." + NEXT_FR, "denial", "Aucune responsabilité"),
    ("fr", "C'est une fake news." + NEXT_FR, "denial", "fake news"),
    ("fr", "Ce n'est pas notre faute." + NEXT_FR, "denial", "Ce n'est pas notre faute"),
    (
        "fr",
        "Ces accusations sont totalement fausses, c'est archi faux." + NEXT_FR,
        "denial",
        "archi faux",
    ),
    ("en", "We never share customer data." + NEXT_EN, "denial", "We never"),
    ("en", "This story is fake news." + NEXT_EN, "denial", "fake news"),
    ("en", "These claims are completely false." + NEXT_EN, "denial", "completely false"),
    ("en", "It is not our fault." + NEXT_EN, "denial", "not our fault"),
    ("en", "We did nothing wrong." + NEXT_EN, "denial", "We did nothing wrong"),
    # unfilled placeholders
    ("fr", "Concernant {title} :" + NEXT_FR, "unfilled_placeholder", "{title}"),
    ("en", "Dear {owner}," + NEXT_EN, "unfilled_placeholder", "{owner}"),
]


@pytest.mark.parametrize(
    ("language", "text", "code", "excerpt"),
    FLAGGED,
    ids=[f"{row[2]}-{row[0]}-{i}" for i, row in enumerate(FLAGGED)],
)
def test_each_flag_quotes_the_words_at_fault(language, text, code, excerpt):
    warnings = tone_check(text, language=language, severity="low")
    assert [w["code"] for w in warnings] == [code], warnings
    assert warnings[0]["excerpt"] == excerpt
    assert warnings[0]["message"]


CALM = [
    ("fr", "Nous sommes désolés pour la gêne occasionnée. Nous vous tiendrons informés d'ici "
           "ce soir."),
    ("fr", "Nous comprenons votre colère. Nos équipes travaillent à rétablir le service ; "
           "prochain point à 18h sur notre site."),
    ("fr", "Toutes nos excuses pour ce retard de livraison. Nous vous contactons en message "
           "privé pour organiser le remboursement."),
    ("fr", "Nous regrettons sincèrement cette erreur. La SNCF et la CNIL ont été prévenues, "
           "conformément au RGPD. Plus d'informations sur https://exemple.fr/incident."),
    ("fr", "Désolés pour cette attente. Notre service client vous répond au 01 23 45 67 89 "
           "dès demain matin."),
    ("fr", "Nous sommes navrés de la situation. Nous allons rembourser les commandes "
           "concernées d'ici vendredi et publierons une FAQ."),
    ("fr", "Nous avons bien reçu votre message et nous en sommes désolés : nous vous "
           "recontacterons sous 24 heures."),
    ("en", "We are sorry for the disruption. We will post an update on our status page by "
           "6 pm today."),
    ("en", "We understand your frustration. Our team is investigating and we'll share what "
           "we find within 24 hours."),
    ("en", "We apologise for the delay. You should have received a refund e-mail; if not, "
           "please DM us and we will sort it out."),
    ("en", "Our apologies to everyone affected. The responsibility lies with us, and we have "
           "suspended the campaign. More details at https://example.com/statement."),
    ("en", "We regret the confusion our FAQ caused. Customer support is available on "
           "November 28 from 9:00."),
    ("en", "Thank you for your patience. The app is back and you are not responsible for any "
           "extra charges; we will refund them this week."),
]  # fmt: skip


@pytest.mark.parametrize(("language", "text"), CALM)
@pytest.mark.parametrize("severity", ["low", "critical", None])
def test_calm_professional_texts_raise_nothing(language, text, severity):
    assert tone_check(text, language=language, severity=severity, channel="x") == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Le service est rétabli. Nous vous tiendrons informés demain."),
        ("en", "The service is back. We will post an update tomorrow."),
        ("fr", "Nous avons connaissance du problème. Plus d'informations ce soir."),
        ("en", "We are aware of the issue and will update this page tonight."),
    ],
)
def test_high_and_critical_incidents_need_an_acknowledgement(language, text):
    for severity in ("low", "medium", None):
        assert tone_check(text, language=language, severity=severity) == []
    for severity in ("high", "critical"):
        warnings = tone_check(text, language=language, severity=severity)
        assert [w["code"] for w in warnings] == ["no_acknowledgement"]
        assert warnings[0]["excerpt"] == ""


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Nous sommes désolés pour la gêne occasionnée."),
        ("fr", "Nous regrettons cette situation."),
        ("en", "We are sorry for the disruption."),
        ("en", "We understand why people are upset."),
    ],
)
def test_a_text_without_a_next_step_is_flagged(language, text):
    warnings = tone_check(text, language=language, severity="critical")
    assert [w["code"] for w in warnings] == ["no_next_step"]


@pytest.mark.parametrize(
    ("text", "next_step"),
    [
        ("Nous sommes désolés.", "Nous allons corriger le problème."),
        ("Nous sommes désolés.", "Réponse d'ici lundi."),
        ("Nous sommes désolés.", "Plus d'informations sur notre site."),
        ("Nous sommes désolés.", "Voir https://exemple.fr/maj."),
        ("Nous sommes désolés.", "Rendez-vous sur notre page d'aide."),
    ],
)
def test_a_commitment_a_date_or_a_place_is_a_next_step(text, next_step):
    assert tone_check(f"{text} {next_step}", language="fr", severity="high") == []


def test_acronyms_and_short_capitals_are_not_shouting():
    text = "La FAQ du SAV, la CNIL, la SNCF et l'UNESCO : OK." + NEXT_FR
    assert tone_check(text, language="fr") == []
    assert tone_check("Louis XVIII and COVID19 are not shouting." + NEXT_EN, language="en") == []


def test_too_long_depends_on_the_channel():
    text = "We are sorry. " + "We will post an update today. " * 10  # 314 characters
    assert len(text) > CHANNEL_LIMITS["x"]
    warnings = tone_check(text, language="en", channel="x")
    assert [w["code"] for w in warnings] == ["too_long"]
    assert warnings[0]["message"] == (
        f"{len(text)} characters where X takes 280; shorten it or link to a full statement."
    )
    assert warnings[0]["excerpt"] == text[280:].strip()
    assert tone_check(text, language="en", channel="facebook") == []
    assert tone_check(text, language="en") == []  # no channel, no limit


def test_every_channel_has_a_limit():
    from incidents.communications.models import CommunicationChannel

    assert set(CHANNEL_LIMITS) == set(CommunicationChannel.values)


def test_messages_are_in_the_texts_language():
    english = tone_check("ATTENTION!!", language="en")
    french = tone_check("ATTENTION!!", language="fr")
    assert [w["code"] for w in english] == [w["code"] for w in french]
    assert english[0]["message"] != french[0]["message"]
    assert "capitales" in french[0]["message"]
    long = tone_check("Désolés. Nous allons revenir vers vous. " + "a" * 300, language="fr",
                      channel="x")  # fmt: skip
    assert "X" in long[0]["message"] and "280" in long[0]["message"]


def test_excerpts_are_distinct_bounded_and_at_most_three():
    text = "Idiot! Idiot! Crétin, abruti, imbécile, débile." + NEXT_FR
    (warning,) = [w for w in tone_check(text, language="fr") if w["code"] == "insult"]
    assert warning["excerpt"] == "Idiot … Crétin … abruti"


def test_all_codes_are_reported_in_a_fixed_order():
    text = "{title} BANDE D'IDIOTS !! C'est votre faute, merci pour rien, fake news. " * 5
    warnings = tone_check(text, language="fr", severity="critical", channel="x")
    assert [w["code"] for w in warnings] == list(CODES)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Nos mesures COVID-19 restent en place." + NEXT_FR),
        ("en", "Our COVID-19 measures remain in place." + NEXT_EN),
        ("en", "Flight 19-ALPHA is on time." + NEXT_EN),
    ],
)
def test_capitals_joined_to_digits_by_a_hyphen_are_names_not_shouting(language, text):
    # "COVID-19" is how the name is written; like COVID19, it is not shouting.
    assert tone_check(text, language=language) == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "We are sorry. Your refund will reach you within 5 working days."),
        ("en", "We are sorry. Every order is replaced within 2 business days."),
        ("en", "We are sorry. A technician calls you within 48h."),
        ("en", "We are sorry. The new version ships within 2 weeks."),
        ("fr", "Nous sommes désolés. Le remplacement est expédié sous 2 semaines."),
    ],
)
def test_a_delay_is_a_next_step(language, text):
    # A commitment with a delay says what comes next, like "within 24 hours" does.
    assert tone_check(text, language=language, severity="high") == []
