"""`kunde copy-files --to s3`: copy an installation's files from the local folder to S3."""

from django.core.management.base import BaseCommand, CommandError

from kunde.files.storage_tools import StorageProblem, copy_files_to_s3, s3_storage_from_environment


class Command(BaseCommand):
    help = (
        "Copy every file under the local media folder (MEDIA_ROOT) to the S3 bucket named by "
        "the AWS_* variables, under the same names, checking each copy's SHA-256. Safe to run "
        "again after an interruption: files already copied are skipped. Then set "
        "FILE_STORAGE=s3."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, choices=["s3"], help="Where to copy: s3.")

    def handle(self, *args, **options):
        try:
            target = s3_storage_from_environment()
            report = copy_files_to_s3(
                target=target, progress=lambda name: self.stdout.write(f"copied {name}")
            )
        except StorageProblem as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{len(report.copied)} files copied and verified, {len(report.skipped)} already there."
        )
