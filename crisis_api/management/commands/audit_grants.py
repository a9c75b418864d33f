"""Print the PostgreSQL roles and grants of a deployment (the audit log stays append-only)."""

from django.core.management.base import BaseCommand, CommandError

from crisis_api.events.grants import grants_sql, roles_sql


class Command(BaseCommand):
    help = (
        "Print the SQL that creates the owner role (runs migrate) and the service role (may "
        "only read and append the audit log), and the grants to run after each migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="crisis_owner")
        parser.add_argument("--service", default="crisis_service")
        parser.add_argument("--database", default="crisis")
        parser.add_argument(
            "--grants-only", action="store_true", help="Only the grants (after each migrate)."
        )

    def handle(self, *args, **options):
        names = {"owner": options["owner"], "service": options["service"]}
        try:
            if options["grants_only"]:
                sql = grants_sql(**names)
            else:
                sql = roles_sql(**names, database=options["database"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(sql, ending="")
