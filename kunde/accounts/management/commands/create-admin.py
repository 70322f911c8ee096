"""`kunde create-admin USERNAME --email E`: the first administrator of a fresh install."""

import getpass
import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kunde.accounts.services import admin_create

PASSWORD_ENV = "KUNDE_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create an administrator (role admin). The password comes from --password-file, "
        f"${PASSWORD_ENV}, or a prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-file", help="Read the password from this file (first line)."
        )

    def _password(self, password_file: str | None) -> str:
        if password_file:
            try:
                with open(password_file, encoding="utf-8") as file:
                    return file.readline().rstrip("\r\n")
            except OSError as exc:
                raise CommandError(f"Cannot read the password file: {exc}") from exc
        if os.environ.get(PASSWORD_ENV):
            return os.environ[PASSWORD_ENV]
        if not sys.stdin.isatty():
            raise CommandError(
                f"No terminal to ask for a password: use --password-file or ${PASSWORD_ENV}."
            )
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ. Nothing was created.")
        return password

    def handle(self, *args, username, email, password_file, **options):
        password = self._password(password_file)
        try:
            user = admin_create(username=username, email=email, password=password)
        except ValidationError as exc:
            messages = (
                [m for ms in exc.message_dict.values() for m in ms]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise CommandError(" ".join(messages) + " Nothing was created.") from exc
        self.stdout.write(f"Administrator {user.username} created. Sign in at /accounts/login/.")
