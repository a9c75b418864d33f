"""Demo data for `make run`: one user per role with a fresh token, and incidents in every state.

Every state is reached through the real services, so each incident has a true timeline and a
verifiable hash chain; steps recorded as past (the services' `at`) put the deadlines in every
state, and the breaches are recorded as `check_deadlines` would. Safe to rerun: an incident
whose title exists is left alone; the demo users get a new password and token, and their older
demo tokens are revoked.
"""

import secrets
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from crisis_api.auth.roles import ROLES, user_set_role
from crisis_api.auth.tokens import api_token_issue, api_token_revoke
from incidents import services
from incidents.actions import services as action_services
from incidents.communications import services as comms
from incidents.deadlines.services import incident_deadline_breaches_record
from incidents.models import Incident, Status
from incidents.monitoring.services import signals_ingest

TOKEN_NAME = "seed_demo"

# Each incident: how it was spotted, then steps (operation, actor's role, input[, hours ago])
# run in order. An operation is a service of incidents.services (`note` is incident_add_note);
# a step with hours ago is recorded as having happened then (the services' `at`), so the
# deadlines show every state: on track, at risk, breached, met and missed.
INCIDENTS = [
    {"title": "Avis négatifs en rafale sur notre fiche Google", "category": "customer_complaint",
     "summary": "Une quarantaine d'avis une étoile en une heure, tous sur le magasin de Lyon.",
     "channels": ["review_site"], "by": "responder", "hours_ago": 1,
     "steps": [("note", "responder", {"note": "Plusieurs comptes créés aujourd'hui ; "
                                              "campagne possible, à vérifier."})]},
    # Assessed an hour ago: both deadlines on track.
    {"title": "Rumour that the spring recall hides a safety defect", "category": "misinformation",
     "summary": "A Reddit thread claims the recall is a cover-up; picked up on two forums.",
     "channels": ["reddit", "forum"], "by": "responder", "hours_ago": 3,
     "steps": [("assess", "responder", {
         "severity": "high", "scope": "spreading", "estimated_reach": 30000,
         "impact": ["reputation", "safety"],
         "rationale": "Safety claims spread fast; two forums already quote it."}, 1)]},
    # Assessed 28 hours ago, nobody has responded: the response deadline (24 h) is breached.
    {"title": "Boycott call after an influencer's sponsored post",
     "category": "social_media_backlash", "channels": ["instagram", "tiktok"],
     "summary": "Followers object to the influencer's past remarks and tag the brand.",
     "by": "responder", "hours_ago": 30,
     "steps": [("assess", "responder", {
         "severity": "medium", "scope": "spreading", "estimated_reach": 80000,
         "impact": ["reputation"], "rationale": "Growing but no press coverage yet."}, 28)]},
    # Critical, assessed 50 minutes ago, no response: at risk, breached in 10 minutes.
    {"title": "Fuite de données clients sur un forum", "category": "data_leak",
     "summary": "Un extrait de 200 fiches clients (noms, e-mails, adresses) publié sur un forum.",
     "channels": ["forum"], "confidential": True, "by": "responder", "hours_ago": 1,
     "steps": [
         ("assess", "responder", {
             "severity": "critical", "scope": "coordinated", "estimated_reach": 5000,
             "affected_count": 12000, "impact": ["legal", "reputation", "financial"],
             "rationale": "L'auteur dit détenir 12 000 fiches et menace de tout publier."},
          50 / 60),
         ("note", "responder", {"note": "DPO prévenu : notification à la CNIL sous 72 h si "
                                        "la fuite est confirmée."})]},
    # Response within the hour (met); 60 of its 72 hours to resolve gone: at risk.
    {"title": "Vidéo virale d'un livreur impoli", "category": "conduct",
     "summary": "Un client filme un livreur qui l'insulte ; 40 000 partages en deux heures.",
     "channels": ["tiktok", "x", "facebook"], "by": "responder", "hours_ago": 62,
     "steps": [
         ("assess", "responder", {
             "severity": "high", "scope": "spreading", "estimated_reach": 400000,
             "impact": ["reputation"], "rationale": "Reprise par deux comptes d'actualité."}, 60),
         ("respond", "responder", {}, 59),
         ("note", "responder", {"note": "Le livreur travaille pour un sous-traitant ; "
                                        "celui-ci est informé."}),
         ("note", "responder", {"note": "Réponse publiée : excuses au client, prise de "
                                        "contact en message privé."})]},
    # Response after 6 hours (missed: 4 h); resolved, then reopened past its 3 days: breached.
    {"title": "Panne du paiement en ligne : plaintes sur X",
     "category": "product_or_service_failure", "channels": ["x", "email"],
     "summary": "Paiements refusés depuis ce matin ; les clients s'en plaignent publiquement.",
     "by": "responder", "hours_ago": 82,
     "steps": [
         ("assess", "responder", {"severity": "high", "scope": "spreading",
                                  "affected_count": 3000, "impact": ["financial", "operational"]},
          80),
         ("respond", "responder", {}, 74),
         ("resolve", "responder", {"resolution_summary": "Paiement rétabli, excuses publiées, "
                                                         "livraison offerte aux commandes "
                                                         "bloquées."}, 70),
         ("reopen", "responder", {"reason": "Nouvelle panne, les plaintes reprennent."})]},
    # Both deadlines met.
    {"title": "Misleading screenshot of a price increase", "category": "misinformation",
     "summary": "An edited screenshot shows a 40% price rise that never happened.",
     "channels": ["x", "linkedin"], "by": "responder", "hours_ago": 26,
     "steps": [
         ("assess", "responder", {"severity": "medium", "scope": "spreading",
                                  "estimated_reach": 60000, "impact": ["reputation"]}, 25),
         ("respond", "responder", {}, 24),
         ("note", "responder", {"note": "Original price page archived as proof."}),
         ("resolve", "responder", {"resolution_summary": "Posted the real price list with an "
                                                         "archive link; the author deleted it."},
          3)]},
    {"title": "Même vidéo du livreur reprise par un compte humoristique", "category": "conduct",
     "summary": "Un compte humoristique republie la vidéo du livreur.",
     "channels": ["instagram"], "by": "responder", "hours_ago": 5,
     "steps": [("dismiss", "responder", {
         "reason": "Doublon : même vidéo, suivie dans l'incident principal.",
         "duplicate_of": "Vidéo virale d'un livreur impoli"})]},
    # Dismissed half an hour after its assessment: the dismissal meets both deadlines.
    {"title": "Single angry post flagged by the monitoring bot", "category": "customer_complaint",
     "channels": ["x"], "by": "responder", "hours_ago": 2, "summary": "",
     "steps": [
         ("assess", "responder", {"severity": "low", "scope": "isolated", "estimated_reach": 40},
          1.5),
         ("dismiss", "responder", {"reason": "Parody account with 12 followers; no pick-up."},
          1)]},
    {"title": "Defamatory blog post accusing our CEO of fraud", "category": "defamation",
     "summary": "A blog post with invented figures, quoted by a regional news site.",
     "channels": ["blog", "news"], "by": "responder", "hours_ago": 72,
     "steps": [
         ("assess", "responder", {"severity": "high", "scope": "coordinated",
                                  "impact": ["reputation", "legal"]}, 71),
         ("respond", "responder", {}, 68),
         ("resolve", "responder", {"resolution_summary": "Facts published; the news site "
                                                         "ran a correction."}, 10),
         ("review", "manager", {
             "summary": "Defamation relayed by a news site.",
             "root_cause": "No fact sheet ready on the company's finances.",
             "what_went_well": "Legal and comms answered together within 3 hours.",
             "what_went_wrong": "The first statement was too defensive.",
             "lessons_learned": "Stay calm and factual; answer with documents.",
             "follow_up_actions": ["Publish a finance fact sheet"]})]},
    # Critical: response within 30 minutes (met), resolved after 29 hours (missed: 24 h).
    {"title": "Fichier des salaires partagé sur LinkedIn", "category": "data_leak",
     "summary": "Un ancien salarié a publié le fichier des salaires d'une filiale.",
     "channels": ["linkedin"], "confidential": True, "by": "manager", "hours_ago": 120,
     "steps": [
         ("assess", "manager", {"severity": "critical", "scope": "isolated",
                                "affected_count": 85, "impact": ["legal", "reputation"]}, 119),
         ("respond", "manager", {}, 118.5),
         ("resolve", "manager", {"resolution_summary": "Publication retirée par LinkedIn ; "
                                                       "salariés informés."}, 90),
         ("review", "manager", {
             "summary": "Fuite interne publiée par un ancien salarié.",
             "root_cause": "Accès au dossier RH non révoqué au départ.",
             "what_went_well": "Retrait obtenu en 2 heures.",
             "what_went_wrong": "Salariés informés par la presse avant nous.",
             "lessons_learned": "Prévenir les personnes concernées en premier.",
             "follow_up_actions": ["Révoquer les accès au départ"]})]},
]  # fmt: skip


# Three stories monitoring sends (through incidents.monitoring.services, as the monitor), so the
# three scope suggestions show: a coordinated campaign (near-identical French posts from many
# authors within an hour), a spreading story (several platforms, growing) and an isolated
# complaint. External ids make a rerun store nothing twice.
CAMPAIGN = (
    "MaMarque vend des produits dangereux et cache la vérité à ses clients, boycott total "
    "jusqu'à ce qu'ils s'expliquent {}"
)
CAMPAIGN_ENDINGS = [
    "",
    "!",
    "!!",
    "#boycott",
    "😡",
    "@MaMarque",
    "!!!",
    "#honte",
    "",
    "https://t.co/xyz",
    "!",
    "#boycott #honte",
    "",
    "😡😡",
    "!",
    "",
]
SPREADING = [
    ("reddit", "Le rappel de printemps cache un défaut de sécurité ? Un ingénieur témoigne."),
    ("forum", "Quelqu'un a des infos sur ce défaut du modèle rappelé ? Le mien chauffe."),
    ("news", "Rappel produit : des clients s'interrogent sur un possible défaut caché."),
    ("x", "On nous cache quelque chose sur ce rappel, les témoignages se multiplient."),
]


def demo_signals(now):
    """The signals of the three stories, observed relative to `now`."""
    campaign = [
        {
            "platform": "x",
            "external_id": f"demo-campaign-{i}",
            "author": f"@indigne{i:02d}",
            "content": CAMPAIGN.format(ending).strip(),
            "language": "fr",
            "sentiment": -0.9,
            "reach": 1500 + 250 * i,
            "engagement": 40 + i,
            "observed_at": now - timedelta(minutes=58 - 3 * i),
            "url": f"https://x.com/indigne{i:02d}/status/99{i:04d}",
        }
        for i, ending in enumerate(CAMPAIGN_ENDINGS)
    ]
    spreading = [
        {
            "platform": platform,
            "external_id": f"demo-recall-{i}",
            "author": f"@curieux{i}",
            "content": f"{text} ({i})",
            "language": "fr",
            "sentiment": -0.4,
            "reach": 900,
            "group_key": "demo-alert-rappel",
            "observed_at": now - timedelta(minutes=(100 - i * 4) if i < 6 else (55 - i)),
            "url": f"https://example.org/{platform}/rappel-{i}",
        }
        for i, (platform, text) in enumerate(SPREADING[n % 4] for n in range(30))
    ]
    isolated = [
        {
            "platform": "review_site",
            "external_id": f"demo-review-{i}",
            "author": "@client_lyon",
            "content": text,
            "language": "fr",
            "sentiment": -0.6,
            "reach": 120,
            "group_key": "demo-alert-avis-lyon",
            "observed_at": now - timedelta(hours=5 - i),
        }
        for i, text in enumerate(
            [
                "Commande reçue avec trois semaines de retard et aucune excuse du service client.",
                "Toujours pas de réponse à ma réclamation, je suis déçu.",
            ]
        )
    ]
    return campaign + spreading + isolated


# Past crises for the metrics page (incidents.metrics): one a week over the last twelve weeks,
# each resolved, the team a little faster every few weeks. Minutes from detection to
# assessment, to the response, to resolution; the severity cycles.
HISTORY_SEVERITIES = ("low", "medium", "high", "medium")


def seed_metrics_history(actor) -> None:
    """Twelve resolved incidents detected 12 to 1 weeks ago (skipped when already there)."""
    now = timezone.now()
    for week in range(12, 0, -1):
        title = f"Historique : crise de la semaine -{week}"
        if Incident.objects.filter(title=title).exists():
            continue
        detected = now - timedelta(weeks=week, hours=week % 5)
        scale = 1 + week / 4  # earlier weeks: slower
        incident = services.incident_create(
            actor=actor, title=title, detected_at=detected,
            category=("customer_complaint", "social_media_backlash", "misinformation")[week % 3],
        )  # fmt: skip
        severity = HISTORY_SEVERITIES[week % 4]
        at = detected + timedelta(minutes=20 * scale)
        services.incident_assess(incident_id=incident.pk, actor=actor, severity=severity,
                                 scope="isolated", at=at)  # fmt: skip
        at += timedelta(minutes=45 * scale)
        services.incident_respond(incident_id=incident.pk, actor=actor, at=at)
        services.incident_resolve(
            incident_id=incident.pk, actor=actor, at=at + timedelta(hours=9 * scale),
            resolution_summary="Réponse publiée, clients recontactés.",
        )  # fmt: skip


def demo_communications(users) -> None:
    """Holding statements in French and English, and on three demo incidents (those without
    communications yet): a published apology, an angry draft the tone check flags, and a
    calm draft from a template awaiting a manager's approval."""
    from incidents.communications.models import Template

    holding = {
        "fr": "Nous avons connaissance de la situation concernant « {title} » ({reference}). "
        "Nous comprenons l'inquiétude qu'elle suscite et nous en sommes désolés. Nos équipes "
        "analysent la situation ; nous publierons un point d'étape ici d'ici ce soir.",
        "en": 'We are aware of the situation around "{title}" ({reference}). We understand the '
        "concern it causes and we are sorry for it. Our teams are looking into it; we will "
        "post an update here by the end of the day.",
    }
    templates = {
        language: Template.objects.filter(language=language, name=name).first()
        or comms.template_create(actor=users["manager"], name=name, language=language, body=body)
        for (language, body), name in zip(
            holding.items(), ["Déclaration d'attente", "Holding statement"], strict=True
        )
    }
    stories = [
        ("Vidéo virale d'un livreur impoli", "fr", "x",
         "Nous sommes sincèrement désolés pour ce comportement, qui ne reflète pas nos valeurs. "
         "Nous avons contacté le client en message privé et suspendu la collaboration avec le "
         "livreur le temps de l'enquête. Plus d'informations d'ici demain.", True),
        ("Boycott call after an influencer's sponsored post", "en", "instagram",
         "Clearly you didn't read our statement!! We NEVER endorsed those remarks, this is "
         "fake news.", False),
        ("Rumour that the spring recall hides a safety defect", "en", "website", None, False),
    ]  # fmt: skip
    for title, language, channel, body, publish in stories:
        incident = Incident.objects.filter(title=title).first()
        if incident is None or incident.communications.exists():
            continue
        draft = comms.communication_draft(
            incident_id=incident.pk, actor=users["responder"], channel=channel,
            audience="public", language=language, body=body,
            template=None if body else templates[language],
        )  # fmt: skip
        if publish:
            comms.communication_approve(communication_id=draft.pk, actor=users["manager"])
            comms.communication_publish(
                communication_id=draft.pk,
                actor=users["responder"],
                url="https://x.com/mamarque/status/1861234567891",
            )


# A whole crisis, from the first posts to a rich review, so the lessons search and the crisis
# report have a story to tell: monitoring's signals, a fast response, notes, a resolution within
# its deadline, and the review (with its metrics snapshot) two hours ago.
LEARNING_STORY = {
    "title": "Remboursements en retard : colère sur X et TikTok", "category": "customer_complaint",
    "summary": "Des clients attendent leur remboursement depuis trois semaines et le disent "
               "publiquement ; une vidéo TikTok dépasse les 200 000 vues.",
    "channels": ["x", "tiktok"], "hours_ago": 100,
    "signals": [
        ("x", "Trois semaines que j'attends mon remboursement, aucune réponse du service client.",
         "@claire_b", 2400, 99.8),
        ("x", "Moi aussi, remboursement promis sous 5 jours, toujours rien #arnaque", "@tom_r",
         800, 99.7),
        ("tiktok", "Je vous montre comment cette marque ignore ses clients (vidéo)",
         "@conso_vigilante", 210000, 99.6),
        ("x", "Still waiting for my refund after 3 weeks, support never answers.", "@jd_uk",
         1500, 99.4),
    ],
    "steps": [
        ("assess", {"severity": "high", "scope": "spreading", "estimated_reach": 215000,
                    "affected_count": 1800, "impact": ["reputation", "financial"],
                    "rationale": "Vidéo virale et plaintes sur deux plateformes ; la presse "
                                 "consommateurs commence à relayer."}, 99.5),
        ("respond", {}, 99),
        ("note", {"note": "Cause identifiée : un lot de remboursements bloqué par la mise à "
                          "jour du prestataire de paiement."}),
        ("note", {"note": "Réponse publiée sur X et TikTok : excuses, explication, date de "
                          "remboursement et geste commercial."}),
        ("publish", {"channel": "x", "audience": "customers", "language": "fr",
                     "body": "Vous attendez votre remboursement depuis trop longtemps, et nous "
                             "en sommes sincèrement désolés. Un incident chez notre prestataire "
                             "de paiement a bloqué un lot de dossiers : tous les remboursements "
                             "partiront d'ici vendredi, avec un bon d'achat de 10 €. Suivi : "
                             "https://aide.example.com/remboursements"}, 98.5),
        ("action", {"kind": "fix", "title": "Débloquer le lot de remboursements",
                    "done": True}),
        ("action", {"kind": "compensation", "title": "Bon d'achat de 10 € par client concerné",
                    "amount": "18000.00", "currency": "EUR", "beneficiaries": 1800,
                    "done": True}),
        ("resolve", {"resolution_summary": "Les 1 800 remboursements sont partis en 48 heures ; "
                                           "un bon d'achat de 10 € a été offert à chaque client "
                                           "concerné, et la vidéo a été mise à jour par son "
                                           "autrice."}, 30),
        ("review", {
            "summary": "Un lot de remboursements bloqué pendant trois semaines a déclenché une "
                       "vague de colère publique, amplifiée par une vidéo TikTok virale.",
            "root_cause": "La mise à jour du prestataire de paiement a bloqué les remboursements "
                          "sans alerte ; le service client n'avait aucune visibilité sur les "
                          "dossiers en attente.",
            "what_went_well": "Première réponse publique en moins d'une heure : nous avons "
                              "présenté nos excuses sans détour, expliqué la cause et donné une "
                              "date. We apologized in English too for the UK customers.",
            "what_went_wrong": "Le service client a répondu avec un modèle générique pendant une "
                               "journée, ce qui a alimenté l'idée que la marque ignorait ses "
                               "clients.",
            "lessons_learned": "Présenter des excuses d'abord, puis les solutions concrètes "
                               "(remboursement, geste commercial) avec une date ; informer le "
                               "service client avant toute réponse publique ; rester calme et "
                               "factuel même face aux accusations d'arnaque.",
            "follow_up_actions": ["Alerte sur les remboursements en attente depuis plus de "
                                  "5 jours", "Brief du service client avant chaque réponse "
                                  "publique", "Modèle de réponse d'excuses en français et en "
                                  "anglais"],
        }, 2),
    ],
}  # fmt: skip


def learning_story(users, now) -> list[Incident]:
    """The story of LEARNING_STORY, through the real services (left alone when it exists)."""
    spec = LEARNING_STORY
    if Incident.objects.filter(title=spec["title"]).exists():
        return []
    incident = services.incident_create(
        actor=users["responder"], title=spec["title"], summary=spec["summary"],
        category=spec["category"], channels=spec["channels"],
        detected_at=now - timedelta(hours=spec["hours_ago"]),
    )  # fmt: skip
    signals_ingest(
        actor=users["monitor"],
        signals=[
            {"platform": platform, "content": content, "author": author, "reach": reach,
             "language": "en" if author == "@jd_uk" else "fr", "sentiment": -0.8,
             "observed_at": now - timedelta(hours=hours), "incident": incident,
             "external_id": f"demo-refunds-{i}"}
            for i, (platform, content, author, reach, hours) in enumerate(spec["signals"])
        ],
    )  # fmt: skip
    for name, params, *hours_ago in spec["steps"]:
        role = "manager" if name == "review" else "responder"
        if name == "note":
            services.incident_add_note(incident_id=incident.pk, actor=users[role], **params)
            continue
        if name == "publish":  # approved by the manager (the incident is high), then published
            draft = comms.communication_draft(incident_id=incident.pk, actor=users[role], **params)
            comms.communication_approve(communication_id=draft.pk, actor=users["manager"])
            comms.communication_publish(
                communication_id=draft.pk, actor=users[role],
                at=now - timedelta(hours=hours_ago[0]),
            )  # fmt: skip
            continue
        if name == "action":
            params = dict(params)
            done = params.pop("done", False)
            if "amount" in params:
                params["amount"] = Decimal(params["amount"])
            action = action_services.action_create(
                incident_id=incident.pk, actor=users[role], owner=users[role], **params
            )
            if done:
                action_services.action_complete(action_id=action.pk, actor=users[role])
            continue
        at = now - timedelta(hours=hours_ago[0])
        services.TRANSITION_SERVICES[name](
            incident_id=incident.pk, actor=users[role], at=at, **params
        )
    return [incident]


# Actions on two incidents, by title: a fix done, compensations in EUR still open, a statement
# overdue (due hours ago). A rerun adds only those missing (by title).
DEMO_ACTIONS = {
    "Vidéo virale d'un livreur impoli": [
        {"kind": "fix", "title": "Rappeler les consignes de courtoisie au sous-traitant",
         "due_hours": -12, "done": True},
        {"kind": "compensation", "title": "Bon d'achat pour le client filmé",
         "description": "Bon d'achat envoyé par message privé, avec nos excuses.",
         "amount": "50.00", "currency": "EUR", "beneficiaries": 1, "due_hours": 24},
        {"kind": "communication", "title": "Publier la réponse officielle sur TikTok",
         "due_hours": -3},
    ],
    "Panne du paiement en ligne : plaintes sur X": [
        {"kind": "compensation", "title": "Rembourser les frais de livraison des commandes "
                                          "bloquées", "amount": "17970.00", "currency": "EUR",
         "beneficiaries": 3000, "due_hours": 48},
    ],
}  # fmt: skip


def demo_actions(users, now) -> None:
    """The actions of DEMO_ACTIONS, through incidents.actions.services, owned by the responder."""
    for title, specs in DEMO_ACTIONS.items():
        incident = Incident.objects.filter(title=title).first()
        if incident is None:
            continue
        existing = set(incident.actions.values_list("title", flat=True))
        for spec in specs:
            if spec["title"] in existing:
                continue
            fields = {k: v for k, v in spec.items() if k not in ("due_hours", "done")}
            if "amount" in fields:
                fields["amount"] = Decimal(fields["amount"])
            action = action_services.action_create(
                incident_id=incident.pk,
                actor=users["responder"],
                owner=users["responder"],
                due_at=now + timedelta(hours=spec["due_hours"]),
                **fields,
            )
            if spec.get("done"):
                action_services.action_complete(action_id=action.pk, actor=users["responder"])


def demo_audit_checkpoint() -> None:
    """A signed checkpoint of the seeded log, as the sweeper would record (when a key is set)."""
    from crisis_api.events.checkpoints import checkpoint_create

    if settings.AUDIT_CHECKPOINT_KEY:
        checkpoint_create()


class Command(BaseCommand):
    help = "Create demo users (one per role, with a new token) and incidents in every state."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the service answers, for the links printed at the end.",
        )

    def handle(self, *args, base_url, **options):
        with transaction.atomic():
            logins = [(role, *self._login(role)) for role in ROLES]
            users = {role: user for role, user, _, _ in logins}
            seed_metrics_history(users["responder"])
            created = self._incidents(users)
            demo_actions(users, timezone.now())
            created += learning_story(users, timezone.now())
            report = signals_ingest(actor=users["monitor"], signals=demo_signals(timezone.now()))
            demo_communications(users)
        breaches = incident_deadline_breaches_record()  # what cron would do every minute
        demo_audit_checkpoint()
        self._report(logins, created, breaches, base_url.rstrip("/"), report)

    def _login(self, role):
        user, _ = get_user_model().objects.get_or_create(username=role)
        if not user.is_active:
            raise CommandError(f"User {role!r} is deactivated; reactivate it first.")
        user_set_role(user=user, role=role)
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save(update_fields=["password"])
        for token in user.api_tokens.filter(name=TOKEN_NAME, revoked_at__isnull=True):
            api_token_revoke(token=token)
        return user, password, api_token_issue(user=user, name=TOKEN_NAME)[1]

    def _incidents(self, users):
        now, by_title, created = timezone.now(), {}, []
        for spec in INCIDENTS:
            incident = Incident.objects.filter(title=spec["title"]).first()
            if incident is None:
                incident = services.incident_create(
                    actor=users[spec["by"]],
                    title=spec["title"],
                    summary=spec["summary"],
                    category=spec["category"],
                    channels=spec["channels"],
                    is_confidential=spec.get("confidential", False),
                    detected_at=now - timedelta(hours=spec["hours_ago"]),
                )
                for name, role, params, *hours_ago in spec["steps"]:
                    if name == "note":
                        services.incident_add_note(
                            incident_id=incident.pk, actor=users[role], **params
                        )
                        continue
                    if "duplicate_of" in params:
                        params = {**params, "duplicate_of": by_title[params["duplicate_of"]]}
                    if hours_ago:
                        params = {**params, "at": now - timedelta(hours=hours_ago[0])}
                    service = services.TRANSITION_SERVICES[name]
                    incident = service(incident_id=incident.pk, actor=users[role], **params)
                created.append(incident)
            by_title[spec["title"]] = incident
        return created

    def _report(self, logins, created, breaches, base_url, signals):
        out = self.stdout.write
        out(self.style.MIGRATE_HEADING("Demo users (new passwords and tokens on every run):"))
        out(f"  {'username':<10} {'role':<10} {'password':<18} API token")
        for role, user, password, token in logins:
            out(f"  {user.username:<10} {role:<10} {password:<18} {token}")
        counts = Counter(Incident.objects.values_list("status", flat=True))
        statuses = ", ".join(f"{status} {counts[status]}" for status in Status.values)
        out(f"\nIncidents: {len(created)} created, {Incident.objects.count()} in all ({statuses}).")
        out(
            f"Signals: {signals.created} stored, {signals.duplicates} already there; "
            f"{signals.incidents_opened} incidents opened from them."
        )
        for breach in breaches:
            out(f"{breach.incident.reference}: {breach.deadline.breached_label} (recorded).")
        for incident in Incident.objects.filter(status=Status.ASSESSED, severity="critical"):
            due = timezone.localtime(incident.response_due_at).strftime("%Y-%m-%d %H:%M %Z")
            state = "is overdue" if incident.overdue else f"becomes overdue at {due}"
            out(
                f"{incident.reference} (critical, no response yet) {state} unless someone responds."
            )
        responder_token = logins[ROLES.index("responder")][3]
        out(self.style.MIGRATE_HEADING("\nLog in:"))
        out(f"  Admin (log in as manager):        {base_url}/admin/")
        out(f"  Swagger UI (Authorize, a token):  {base_url}/api/v1/docs/")
        out("  The API as the responder:")
        out(f'  curl -H "Authorization: Bearer {responder_token}" {base_url}/api/v1/incidents/')
