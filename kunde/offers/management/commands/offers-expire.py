"""`kunde offers-expire`: every sent offer whose valid-until date has passed becomes expired
(run it daily, e.g. from cron; pages and the API also expire an offer when they read it)."""

from django.core.management.base import BaseCommand

from kunde.offers.services import offers_expire


class Command(BaseCommand):
    help = "Mark sent offers past their valid-until date as expired."

    def handle(self, *args, **options):
        count = offers_expire()
        self.stdout.write(f"{count} offer(s) expired.")
