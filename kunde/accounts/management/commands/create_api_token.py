from django.core.management.base import BaseCommand, CommandError

from kunde.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="script")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        _, key = ApiToken.issue(user=user, name=name)
        self.stdout.write(key)
