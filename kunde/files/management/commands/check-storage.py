"""`kunde check-storage`: write, read back and delete a test object in the file storage."""

from django.core.management.base import BaseCommand, CommandError

from kunde.files.storage_tools import StorageProblem, check_storage


class Command(BaseCommand):
    help = (
        "Check the file storage (FILE_STORAGE): write, read back and delete a small test "
        "object, and say clearly what is wrong (bucket missing, credentials refused, endpoint "
        "down, folder not writable)."
    )

    def handle(self, *args, **options):
        try:
            where = check_storage()
        except StorageProblem as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"The file storage works: {where}.")
