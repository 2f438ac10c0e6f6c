import warnings

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Figures at district scale beside their bare baselines: member search, list pages, subtree counts, "
            "organizational life, citizen requests (rankings, lists, search, the public form's throughput), an import "
            "of 63,000 rows. Uses var/bench.sqlite3 unless DATABASE_URL is set; the import and the submissions are "
            "rolled back.")
    requires_system_checks = []  # the database is chosen in handle(), before anything connects

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=("district", "province"), default="district",
                            help="district (default) or province: the district copied into 38 districts under a province "
                                 "(apps.demo.province; var/bench-province.sqlite3 or DATABASE_URL, PostgreSQL advised), "
                                 "printed beside the district's figures of the same database engine")
        parser.add_argument("--reps", type=int, default=None, help="repetitions per figure (default: from the warm-up time, 5–30)")
        parser.add_argument("--skip-import", action="store_true", help="leave out the 63,000-row import")
        parser.add_argument("--import-runs", type=int, default=1, help="timed runs of the import (default 1)")
        parser.add_argument("--skip-submissions", action="store_true", help="leave out the public form's throughput")
        parser.add_argument("--submissions", type=int, default=200,
                            help="submissions of the public form timed (default 200, at least 100)")
        parser.add_argument("--only", nargs="+", choices=("members", "records", "cases", "assessment", "ballots", "dues", "letters"), default=None,
                            help="only these sections' figures, e.g. --only assessment (the import and the public form's "
                                 "throughput go with members and cases)")
        parser.add_argument("--analyze", action="store_true",
                            help="SQLite: bench a copy of the bench database with planner statistics (ANALYZE); PostgreSQL: ANALYZE first")

    def handle(self, *args, scale, reps, skip_import, import_runs, analyze, skip_submissions, submissions, only,
               **options):
        from apps.demo import bench

        # whitenoise warns once about a missing var/staticfiles/ (collectstatic not run): not a bench concern.
        warnings.filterwarnings("ignore", message="No directory at")

        def log(line):
            self.stdout.write(line)
            self.stdout.flush()

        log(f"Bench database: {bench.select_database(log, scale)}")
        from django.conf import settings

        # The ID search is limited per user and hour and day (its counting stays, and is timed): reruns of the bench
        # within the hour would otherwise be refused with 429.
        settings.MEMBER_NUMBER_SEARCH_LIMIT = settings.MEMBER_NUMBER_SEARCH_DAILY_LIMIT = 10**9
        if scale == "province":

            from apps.demo.province import PROVINCE_AREA_DEPTH

            # A province keeps its townships one level deeper (province → district → township): its setting.
            settings.CASE_ROLLUP_AREA_DEPTH = PROVINCE_AREA_DEPTH
        try:
            bench.ensure_data(log, scale)
            if analyze:
                bench.analyze_copy(log)
            lines = bench.run(log=log, reps=reps, skip_import=skip_import, import_runs=import_runs,
                              skip_submissions=skip_submissions, submissions=submissions, scale=scale,
                              only=only)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        for line in lines:
            self.stdout.write(line)
