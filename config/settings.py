"""All settings, read from environment variables with safe defaults.

Rule figures that are local practice (rules.md) live here too, each overridable
through an environment variable, never as constants in code.
"""

import hashlib
import ipaddress
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# var/ holds the database, uploaded imports, exports with full ID numbers and the keys: everything this process
# creates is private to the service user (0600 files, 0700 directories). manage.py and config/wsgi.py set the same
# mask before anything else; here it also covers pytest and any other entry point that loads the settings.
os.umask(0o077)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _make_private(path, mode):
    """Tighten what an earlier version (or a copy with another umask) left readable to others; not ours: leave it."""
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(mode)
    except (FileNotFoundError, PermissionError):
        pass


# A few stat calls at start-up; the periodic clean-up (run by the workers) does the same for the job files.
_make_private(VAR_DIR, 0o700)
for _name in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm", "jobs", "media", "cache"):
    _make_private(VAR_DIR / _name, 0o700 if (VAR_DIR / _name).is_dir() else 0o600)


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    return int(os.environ.get(name, default))


# Secrets generated under var/ rather than given in the environment: each server would make its own, so with several
# servers (REDIS_URL set) the system check apps.core.checks refuses to start (a member's number encrypted on one server
# could not be read on another, sessions and the challenge would fail across them).
SECRETS_FROM_FILES = []


def _secret(name, filename):
    """A secret from the environment, else one generated once and kept under var/."""
    value = os.environ.get(name)
    if value:
        return value
    SECRETS_FROM_FILES.append(name)
    path = VAR_DIR / filename
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret("SECRET_KEY", "secret_key")
# Keys for personal data: encryption (Fernet, derived) and keyed hashes for exact lookup.
FIELD_ENCRYPTION_KEY = _secret("FIELD_ENCRYPTION_KEY", "field_encryption_key")
FIELD_HASH_KEY = _secret("FIELD_HASH_KEY", "field_hash_key")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "apps.audit.admin_site.SystemAdminConfig",  # Django admin: system settings only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "treebeard",
    "django_tasks",  # Django's Tasks interface (django.tasks from Django 6.0)
    "django_tasks_db",  # its database backend: the queue lives in our database, workers are `manage.py worker`
    "apps.core",
    "apps.accounts",
    "apps.access",
    "apps.audit",
    "apps.orgs",
    "apps.members",
    "apps.records",
    "apps.evaluations",
    "apps.cases",
    "apps.ballots",
    "apps.dues",
    "apps.membership",
    "apps.assessment",
    "apps.dashboards",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.InputGuardMiddleware",  # refuses NUL/control/bidi characters, deep JSON
    "apps.core.middleware.SessionMiddleware",
    "apps.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.accounts.middleware.PasswordChangeRequiredMiddleware",  # a password someone else set is changed first
    "apps.access.middleware.ConfinedRoleMiddleware",  # the external evaluator: the surveys only
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.access.context_processors.access",
            ],
        },
    },
]

# Persistent connections are kept per thread. Under gunicorn (make run) a worker has a fixed set of threads, so at
# most WEB_WORKERS × WEB_THREADS connections stay open (jobs run in `manage.py worker` processes: two more each, the
# job's and its heartbeat thread's).
# runserver (make dev) starts a new thread per request: a kept connection would outlive its thread and pile up until
# PostgreSQL refuses every client, so there connections close after each request.
RUNNING_DEVSERVER = len(sys.argv) > 1 and sys.argv[1] == "runserver"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=0 if RUNNING_DEVSERVER else env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,  # a kept connection the server dropped (restart, idle timeout) is replaced, not a 500
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while an import writes; busy timeout instead of instant "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "apps.accounts.validators.CharacterClassValidator"},
]

# Login lockout and sessions (等保 requirements: lockout, idle timeout).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# Failed logins per client address (any usernames) in a sliding window, so guessing across many accounts is
# bounded too; a successful login gives its attempt back. Counted atomically in the database (apps.core.ratelimit).
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 30)
LOGIN_IP_WINDOW_MINUTES = env_int("LOGIN_IP_WINDOW_MINUTES", 15)
# Wrong current passwords on the change-password form per account in a sliding window: a session left open (or a
# stolen session cookie) must not become an unlimited oracle for the account's password. A correct one is not counted.
PASSWORD_CHANGE_FAILURE_LIMIT = env_int("PASSWORD_CHANGE_FAILURE_LIMIT", 5)
PASSWORD_CHANGE_WINDOW_MINUTES = env_int("PASSWORD_CHANGE_WINDOW_MINUTES", 15)
# Member searches by a full ID number or phone per user in a sliding window. An exact search answers whether a
# number belongs to someone visible, so without a bound a user could try every number the masked form and the
# shown birth date and sex leave open (some hundreds) and so read the full number unaudited.
MEMBER_NUMBER_SEARCH_LIMIT = env_int("MEMBER_NUMBER_SEARCH_LIMIT", 60)
MEMBER_NUMBER_SEARCH_WINDOW_MINUTES = env_int("MEMBER_NUMBER_SEARCH_WINDOW_MINUTES", 60)
# And per user per day (24 h windows): well below the numbers a mask leaves open once the county is guessed (about
# 500), so that trying them all takes weeks of refused, audited searches rather than an afternoon. Every number search
# and every refusal is in the audit trail (按身份证号/手机号精确查询).
MEMBER_NUMBER_SEARCH_DAILY_LIMIT = env_int("MEMBER_NUMBER_SEARCH_DAILY_LIMIT", 100)
# The reverse proxies in front of the server: addresses or networks, comma-separated ("127.0.0.1,10.1.2.0/24").
# Only for a request arriving from one of them is X-Forwarded-For read, right to left past these proxies, for the
# client's address on which every limit above and below counts and which the audit trail records (apps.core.net;
# IPv6 clients count per /64). Empty (the default): no proxy, the header is ignored — any client can send it.
# Behind a proxy not listed here, every client counts as the proxy's one address.
TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "")
for _proxy in filter(None, (p.strip() for p in TRUSTED_PROXIES.split(","))):
    ipaddress.ip_network(_proxy, strict=False)  # a typo stops the start-up, not every request
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
# An API token is good for this many days from its issue (then refused with a message: issue a new one on the
# profile page); a password change voids the user's tokens at once (apps.accounts.authentication).
API_TOKEN_DAYS = max(1, env_int("API_TOKEN_DAYS", 90))
# The age above is an idle timeout, extended by each request (apps.core.middleware) at most once a minute.
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve assets straight from the app directories: no collectstatic step on a fresh install.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded photos and attachments are served by the application after an access check, never by a web server reading
# the directory: private to the service user (Django's default would make each file world-readable, 0644).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
# A JSON body (API, any path) larger than this is refused with 413 before it is parsed or scanned: no API document of
# this project comes near it (a member with every field is ~2 KB), and each byte of a JSON body costs parsing work
# on every request, before authentication.
JSON_BODY_MAX_BYTES = env_int("JSON_BODY_MAX_BYTES", 1024 * 1024)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 30 * 1024 * 1024)
# Long jobs (imports, exports) and the periodic maintenance are tasks (Django's Tasks interface) queued in the database
# and run by `manage.py worker` processes (any number, on any machine sharing the database and JOBS_DIR).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
JOBS_DIR = VAR_DIR / "jobs"
# Uploaded import files and exports (which may hold full ID numbers) are deleted this many hours after their job
# finished (or, for a file no job claims, after it was last written), by the periodic clean-up.
JOB_FILES_TTL_HOURS = env_int("JOB_FILES_TTL_HOURS", 24)
# A running job writes a heartbeat at least this often; one silent for JOB_STALE_MINUTES died with its process
# (its worker killed, a machine lost) and is marked failed. Long enough for SQLite to hold its write lock through
# a district import's write phase.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 15)
JOB_STALE_MINUTES = env_int("JOB_STALE_MINUTES", 10)
# A worker told to stop (TERM) lets its running task go on this long, then cuts it short (marked interrupted, its
# partial output deleted) and exits: below the unit's TimeoutStopSec (120), after which systemd kills it outright.
WORKER_STOP_SECONDS = env_int("WORKER_STOP_SECONDS", 100)
# The workers' scheduler queues the maintenance (dead jobs, expired files and rows) this often, once per interval
# whatever the number of workers.
MAINTENANCE_INTERVAL_MINUTES = env_int("MAINTENANCE_INTERVAL_MINUTES", 5)
# Finished task rows, schedule rows and the rows of workers gone are deleted after this many days.
TASK_ROWS_KEEP_DAYS = env_int("TASK_ROWS_KEEP_DAYS", 7)

REST_FRAMEWORK = {
    # JSON and forms with the input guard's limits (size, nesting depth, control characters, invisible characters
    # removed) for every method: Django's middleware sees form fields of POST bodies only.
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.api.JSONParser",
        "apps.core.api.FormParser",
        "apps.core.api.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "阳光党建 API",
    "DESCRIPTION": "党组织与党员信息库接口。使用令牌认证：请求头 Authorization: Token <令牌>。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "apps.cases.models.Status.choices",
        "RecordStatusEnum": "apps.records.models.RecordStatus.choices",
    },
}

# --- Rules that are local practice (rules.md §3): settings with the documented defaults ---
# Term lengths in years by organization kind; village and community organizations: 5 years.
TERM_YEARS_PARTY_COMMITTEE = env_int("TERM_YEARS_PARTY_COMMITTEE", 5)
TERM_YEARS_GENERAL_BRANCH = env_int("TERM_YEARS_GENERAL_BRANCH", 3)
TERM_YEARS_BRANCH = env_int("TERM_YEARS_BRANCH", 3)
TERM_YEARS_VILLAGE_COMMUNITY = env_int("TERM_YEARS_VILLAGE_COMMUNITY", 5)
TERM_REMINDER_MONTHS = env_int("TERM_REMINDER_MONTHS", 6)
TERM_MAX_ADJUST_MONTHS = env_int("TERM_MAX_ADJUST_MONTHS", 12)  # 延期或提前换届 at most a year
BRANCH_MIN_FULL_MEMBERS = env_int("BRANCH_MIN_FULL_MEMBERS", 3)
BRANCH_MAX_MEMBERS = env_int("BRANCH_MAX_MEMBERS", 50)
BRANCH_COMMITTEE_THRESHOLD = env_int("BRANCH_COMMITTEE_THRESHOLD", 7)
COMMITTEE_MIN_SIZE = env_int("COMMITTEE_MIN_SIZE", 3)
COMMITTEE_MAX_SIZE = env_int("COMMITTEE_MAX_SIZE", 7)
JOINT_BRANCH_MAX_UNITS = env_int("JOINT_BRANCH_MAX_UNITS", 5)
GENERAL_BRANCH_MIN_MEMBERS = env_int("GENERAL_BRANCH_MIN_MEMBERS", 50)
PARTY_COMMITTEE_MIN_MEMBERS = env_int("PARTY_COMMITTEE_MIN_MEMBERS", 100)

# Organizational life (组织生活纪实). Required frequencies live in the activity-type table, which the
# district edits (defaults from rules.md §3); these are the local practices around the record.
RECORD_ENTRY_DAYS = env_int("RECORD_ENTRY_DAYS", 7)  # a record entered later than this after the activity is late
CHECKIN_OPENS_MINUTES_BEFORE = env_int("CHECKIN_OPENS_MINUTES_BEFORE", 30)  # phone check-in window around the meeting
CHECKIN_CLOSES_MINUTES_AFTER = env_int("CHECKIN_CLOSES_MINUTES_AFTER", 30)
NONPARTICIPATION_MONTHS = env_int("NONPARTICIPATION_MONTHS", 6)  # members absent this long are listed for follow-up
DUE_SOON_DAYS = env_int("DUE_SOON_DAYS", 14)  # the secretary's "due soon" list looks this far ahead
MONTHLY_STARS_MAX = env_int("MONTHLY_STARS_MAX", 10)  # 特色活动之星 per month and selecting organization
EVALUATION_EXCELLENT_MAX_RATIO = os.environ.get("EVALUATION_EXCELLENT_MAX_RATIO", "1/3")  # 优秀 at most this share
RECORD_PHOTO_MAX_MB = env_int("RECORD_PHOTO_MAX_MB", 8)
RECORD_ATTACHMENT_MAX_MB = env_int("RECORD_ATTACHMENT_MAX_MB", 20)
RECORD_FILES_MAX = env_int("RECORD_FILES_MAX", 20)  # photos and attachments per record

# Citizen requests (群工系统, rules.md §7). Time limits are a large city hotline's, as settings with its defaults.
CASE_ACCEPT_HOURS = env_int("CASE_ACCEPT_HOURS", 2)  # a web submission is accepted (受理) within this
CASE_SIGN_HOURS = env_int("CASE_SIGN_HOURS", 2)  # a dispatched case is signed for (签收) within this (local practice)
CASE_EMERGENCY_HOURS = env_int("CASE_EMERGENCY_HOURS", 2)  # threat to life or property: fed back within this
CASE_UTILITY_HOURS = env_int("CASE_UTILITY_HOURS", 24)  # water, power, gas, heating
CASE_GENERAL_DAYS = env_int("CASE_GENERAL_DAYS", 7)
CASE_COMPLEX_DAYS = env_int("CASE_COMPLEX_DAYS", 15)
CASE_DUE_SOON_HOURS = env_int("CASE_DUE_SOON_HOURS", 24)  # the "due soon" list looks this far ahead
CASE_CALLBACK_DAYS = env_int("CASE_CALLBACK_DAYS", 7)  # unrated this long after resolution: may be archived unrated
CASE_EXTENSION_MAX_DAYS = env_int("CASE_EXTENSION_MAX_DAYS", 30)  # an extension moves the deadline by at most this
# The three rates' weights in the score (response, resolution, satisfaction); one published weighting is 30/35/35.
CASE_RATE_WEIGHTS = os.environ.get("CASE_RATE_WEIGHTS", "30,35,35")
# Rankings by score: a unit with fewer accepted cases than this in the period is marked 样本不足 and listed after the
# ranked units (a score from one or two cases says little).
CASE_RANKING_MIN_CASES = env_int("CASE_RANKING_MIN_CASES", 5)
# The rankings page charts the first this many ranked rows (a province has ~1,000 townships: a chart of them all
# would be 26,000 px tall); the table below lists every row.
CASE_RANKING_CHART_ROWS = env_int("CASE_RANKING_CHART_ROWS", 30)
# 民主测评 公示: results stay on the public page this many working days (rules: 5), then are archived. Working days
# skip weekends and PUBLIC_HOLIDAYS and count WORKING_WEEKENDS (调休), ISO dates separated by commas.
PUBLICITY_WORKING_DAYS = env_int("PUBLICITY_WORKING_DAYS", 5)
PUBLIC_HOLIDAYS = os.environ.get(
    "PUBLIC_HOLIDAYS",
    "2026-01-01,2026-01-02,2026-02-16,2026-02-17,2026-02-18,2026-02-19,2026-02-20,2026-02-23,2026-04-06,"
    "2026-05-01,2026-05-04,2026-05-05,2026-06-19,2026-09-25,2026-10-01,2026-10-02,2026-10-05,2026-10-06,2026-10-07",
)
WORKING_WEEKENDS = os.environ.get("WORKING_WEEKENDS", "2026-01-04,2026-02-14,2026-02-28,2026-05-09,2026-09-20,2026-10-10")
# A survey's results: a village's (or a question's) figures from fewer answers than this are not shown in detail.
SURVEY_MIN_CELL = env_int("SURVEY_MIN_CELL", 5)
# Failed ballot codes per client address (a code is 8 of 31 characters: guessing is hopeless, but typing one
# wrong repeatedly is also someone probing): this many per window, then 429.
BALLOT_CODE_FAILURES_MAX = env_int("BALLOT_CODE_FAILURES_MAX", 10)
BALLOT_CODE_WINDOW_MINUTES = env_int("BALLOT_CODE_WINDOW_MINUTES", 15)
# …and per network (an IPv4 /24, an IPv6 /48), so that many addresses of one network do not multiply the guesses.
BALLOT_CODE_NETWORK_FAILURES_MAX = env_int("BALLOT_CODE_NETWORK_FAILURES_MAX", 100)
# Objections to a 公示 per client address (anyone may raise one, no account): this many per window, then 429.
BALLOT_OBJECTIONS_MAX = env_int("BALLOT_OBJECTIONS_MAX", 5)
BALLOT_OBJECTION_WINDOW_MINUTES = env_int("BALLOT_OBJECTION_WINDOW_MINUTES", 60)
# 党费 (rules.md §1; local figures are settings). Farmers pay a flat monthly amount the locality fixes (0.2–1 yuan);
# students, laid-off or unemployed members and members on relief 0.2. Decimal strings, never floats.
DUES_FARMER_MONTHLY = os.environ.get("DUES_FARMER_MONTHLY", "0.50")
DUES_FLAT_MONTHLY = os.environ.get("DUES_FLAT_MONTHLY", "0.20")
# A voluntary one-off payment of this many yuan or more goes entirely to the Centre (marked to remit in full).
DUES_VOLUNTARY_LARGE = os.environ.get("DUES_VOLUNTARY_LARGE", "1000")
# Back-payment covers at most this many months; paying ahead (with the branch's consent) at most this many.
DUES_BACKPAY_MONTHS = env_int("DUES_BACKPAY_MONTHS", 6)
DUES_AHEAD_MONTHS = env_int("DUES_AHEAD_MONTHS", 3)
# Arrears: a member this many months behind is warned; this many is listed for the branch to act on (6 consecutive
# months unpaid is treated as lapsing, 自行脱党: never an automatic status change).
DUES_ARREARS_WARN_MONTHS = env_int("DUES_ARREARS_WARN_MONTHS", 3)
DUES_ARREARS_LIST_MONTHS = env_int("DUES_ARREARS_LIST_MONTHS", 6)
# The first month the platform keeps dues for: nobody owes for a month before it (earlier years are on paper).
DUES_START_MONTH = os.environ.get("DUES_START_MONTH", "2026-01")
# The care fund's public summary merges cells (a type in a period) with fewer beneficiaries than this.
FUND_PUBLIC_MIN_BENEFICIARIES = env_int("FUND_PUBLIC_MIN_BENEFICIARIES", 3)
# 发展党员 (rules.md §2): local practice. 公示 lasts this many working days at the four points (activist, development
# target, admission, 转正); the dashboards list steps due within ADMISSION_DUE_SOON_DAYS days; activists are reviewed
# every ADMISSION_REVIEW_MONTHS months (细则第十二条: half-yearly).
ADMISSION_PUBLICITY_WORKING_DAYS = env_int("ADMISSION_PUBLICITY_WORKING_DAYS", 5)
ADMISSION_DUE_SOON_DAYS = env_int("ADMISSION_DUE_SOON_DAYS", 14)
ADMISSION_REVIEW_MONTHS = env_int("ADMISSION_REVIEW_MONTHS", 6)
ADMISSION_DOCUMENT_MAX_MB = env_int("ADMISSION_DOCUMENT_MAX_MB", 10)
# The same for an assessment round's ranking, staff and public (a district round: ~2,600 organizations).
ASSESSMENT_RANKING_CHART_ROWS = env_int("ASSESSMENT_RANKING_CHART_ROWS", 30)
# The depth of the township organizations in the tree (the district's committee at 1): the monthly case roll-ups
# store a case's area at this depth (apps.cases.rollups). After a change, run `manage.py case_rollups --rebuild`.
CASE_ROLLUP_AREA_DEPTH = env_int("CASE_ROLLUP_AREA_DEPTH", 2)
# The lapse sweep (apps.cases.lapses) stores the overdue figures whose time has passed: every this many seconds, so
# the rankings count live only the lapses since; cases per transaction.
CASE_LAPSE_SWEEP_SECONDS = env_int("CASE_LAPSE_SWEEP_SECONDS", 300)
CASE_LAPSE_SWEEP_BATCH = env_int("CASE_LAPSE_SWEEP_BATCH", 2000)
# A description shorter than this (characters, whitespace not counted) is refused, whoever enters it (public form,
# Open311, staff intake): "x" or "?" cannot be handled. Five, not ten: a Chinese complaint such as 村口路灯坏了 says
# what and where in six characters.
CASE_DESCRIPTION_MIN_CHARS = env_int("CASE_DESCRIPTION_MIN_CHARS", 5)
# Web intake: a case whose category and area match a routing rule is accepted and dispatched at once by the system;
# off, every web case waits for a dispatcher to accept it.
CASE_AUTO_DISPATCH = env_bool("CASE_AUTO_DISPATCH", True)
# Anti-abuse that works offline: per phone, per client address, open cases per phone, a self-hosted challenge.
CASE_PHONE_DAILY_MAX = env_int("CASE_PHONE_DAILY_MAX", 5)  # submissions per phone number in 24 hours
CASE_IP_HOURLY_MAX = env_int("CASE_IP_HOURLY_MAX", 20)  # submissions per client IP address in an hour
CASE_OPEN_PER_PHONE_MAX = env_int("CASE_OPEN_PER_PHONE_MAX", 5)  # cases still being handled per phone number
CASE_CLIENT_HOURLY_MAX = env_int("CASE_CLIENT_HOURLY_MAX", 300)  # submissions per Open311 client application in an hour
CASE_CHALLENGE_MINUTES = env_int("CASE_CHALLENGE_MINUTES", 30)  # a challenge must be answered within this
CASE_LOOKUP_FAILURES_MAX = env_int("CASE_LOOKUP_FAILURES_MAX", 10)  # wrong query codes per IP address…
CASE_LOOKUP_WINDOW_MINUTES = env_int("CASE_LOOKUP_WINDOW_MINUTES", 15)  # …within this many minutes
CASE_PHOTOS_MAX = env_int("CASE_PHOTOS_MAX", 4)
CASE_PHOTO_MAX_MB = env_int("CASE_PHOTO_MAX_MB", 8)
# Open311 GeoReport v2: the jurisdiction this server answers for (empty: any jurisdiction_id is accepted).
OPEN311_JURISDICTION = os.environ.get("OPEN311_JURISDICTION", "")
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "区群众工作中心")

LIST_PAGE_SIZE = env_int("LIST_PAGE_SIZE", 50)
# Lists paged by keys (the member list): ?page=n is taken for the first n pages only (skipping keys is cheap
# there); deeper pages go by 下一页/末页. A filtered list counts its matches up to this many ("1000+ 条"): a
# province's common surname matches tens of thousands, and counting them all cost twice the district's page.
LIST_NUMBERED_PAGES = env_int("LIST_NUMBERED_PAGES", 20)
MEMBER_LIST_COUNT_CAP = env_int("MEMBER_LIST_COUNT_CAP", 1000)
# The structure-warnings page counts the organizations it flags up to this many ("1000+"): each is a row tested by
# correlated subqueries, so the count stops early at province scale.
ORG_WARNINGS_COUNT_CAP = env_int("ORG_WARNINGS_COUNT_CAP", 1000)
# The records list and the case list (and the case list's queue chips) count up to this many ("1000+"): a
# province's subtree holds millions of records and cases, and an exact total would read every one per page view.
RECORD_LIST_COUNT_CAP = env_int("RECORD_LIST_COUNT_CAP", 1000)
CASE_LIST_COUNT_CAP = env_int("CASE_LIST_COUNT_CAP", 1000)
# The list of organizations short of an activity type (完成情况 → 未完成的组织) counts up to this many ("1000+").
COMPLIANCE_MISSING_COUNT_CAP = env_int("COMPLIANCE_MISSING_COUNT_CAP", 1000)

# Several servers behind one address (docs/architecture.md, "Several servers"). REDIS_URL (redis://host:6379/0): the
# cache, the sessions' cache and the rate limits and one-time tokens (apps.core.ratelimit) live in that Redis, shared
# by every server. Unset: the cache is a file cache under var/ that the worker processes of one server share,
# sessions and counters are in the database: one server, nothing more to run on an intranet.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
# Several sites may share one Redis: each needs its own prefix for the cache, the sessions' cache and the counters.
# Unset with REDIS_URL: derived from this site's SECRET_KEY ("yg-" + 8 hex digits, the same on each of its servers,
# another site's differs); set it explicitly to keep the keys across a change of SECRET_KEY.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "").strip() or (
    "yg-" + hashlib.sha256(f"redis-key-prefix:{SECRET_KEY}".encode()).hexdigest()[:8]
    if REDIS_URL else "yg")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": REDIS_KEY_PREFIX,
                          "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 5, "SOCKET_TIMEOUT": 5}}}
    # Read from Redis, written through to the database: a session survives a Redis restart.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache")}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# TASKS_BACKEND: where tasks wait for the workers. `database` (default): a table of our database (TASKS above), nothing
# more to run. `rq`: an RQ queue in the Redis of REDIS_URL (django-tasks-rq), for many worker machines (docs/deploy.md);
# `manage.py worker` then runs RQ's worker loop. Jobs, workers and the scheduler's claims stay in the database.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "").strip() or "database"
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL")
    INSTALLED_APPS.append("django_rq")  # django-tasks-rq's check requires it
    # No django-rq dashboard in the admin: it could requeue or delete tasks unaudited (as django-tasks-db's admin is
    # not offered either, apps.audit.admin_site); /readyz gives the queue's figures.
    RQ_SHOW_ADMIN_LINK = False
    TASKS = {"default": {"BACKEND": "apps.core.rqueue.RQBackend", "QUEUES": ["default"]}}
    # No RQ job timeout (-1): a district import runs as long as it needs; a stopped worker's deadline is WORKER_STOP_SECONDS.
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": -1}}
elif TASKS_BACKEND != "database":
    raise ImproperlyConfigured(f"TASKS_BACKEND must be database or rq, not {TASKS_BACKEND!r}")
# DATABASE_REPLICA_URL: a read replica (streaming standby) of DATABASE_URL. Only reads that a caller sends there
# (apps.core.dbrouter.reading_from_replica: rankings, the compliance table, exports) use it; everything else, and
# every write and migration, stays on the primary. In tests the alias mirrors the test database.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_REPLICA_READS = bool(DATABASE_REPLICA_URL)
# PgBouncer in transaction mode between the servers and PostgreSQL: a server-side cursor (.iterator(), the backup's
# checksums) does not survive its transaction's connection being handed to another client; true turns them off
# for every PostgreSQL connection (rows are then fetched at once). Backups connect to PostgreSQL directly.
if env_bool("DISABLE_SERVER_SIDE_CURSORS", False):
    for _db in DATABASES.values():
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASE_ROUTERS = ["apps.core.dbrouter.ReplicaRouter"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Request bodies and SQL parameters may carry ID numbers: keep those loggers quiet.
    # WeasyPrint's progress logger writes a line per page at INFO (a batch of 200 letters: 200 lines): quiet.
    "loggers": {"django.db.backends": {"level": "WARNING", "propagate": True},
                "weasyprint.progress": {"level": "WARNING", "propagate": True}},
}

# 组织关系转接 (rules.md §4; local practice, so settings). A transfer not accepted or rejected within this many days is
# flagged on the lists; a 组织关系介绍信 is valid this many days within the city / outside it (never more than the
# maximum, 3 months); its 回执 is expected back within this many months, flagged after. A batch PDF holds at most this
# many letters; a batch of more than LETTER_BATCH_SYNC_MAX is made by a background job (a page with its progress,
# then the file, private to whoever asked and deleted like exports), a smaller one in the request (~1-2 s for 50).
TRANSFER_PENDING_DAYS_FLAG = env_int("TRANSFER_PENDING_DAYS_FLAG", 30)
LETTER_VALIDITY_DAYS_CITY = env_int("LETTER_VALIDITY_DAYS_CITY", 10)
LETTER_VALIDITY_DAYS_OUTSIDE = env_int("LETTER_VALIDITY_DAYS_OUTSIDE", 30)
LETTER_VALIDITY_DAYS_MAX = env_int("LETTER_VALIDITY_DAYS_MAX", 90)
LETTER_RECEIPT_MONTHS = env_int("LETTER_RECEIPT_MONTHS", 1)
LETTER_BATCH_MAX = env_int("LETTER_BATCH_MAX", 200)
LETTER_BATCH_SYNC_MAX = env_int("LETTER_BATCH_SYNC_MAX", 50)
# 党员证明信 and 流动党员活动证: valid this many days unless set when issued.
CERTIFICATE_VALIDITY_DAYS = env_int("CERTIFICATE_VALIDITY_DAYS", 180)
FLOW_CARD_VALIDITY_DAYS = env_int("FLOW_CARD_VALIDITY_DAYS", 365)
# 流动党员 (rules.md §4): a flowing member reports to the home organization at least once in this many months (flagged
# after); members with neither attendance nor dues for this many months are listed for follow-up (never changed).
FLOW_REPORT_MONTHS = env_int("FLOW_REPORT_MONTHS", 12)
LAPSE_FOLLOWUP_MONTHS = env_int("LAPSE_FOLLOWUP_MONTHS", 6)
# 停止党籍 of a member out of contact (失联): only after this many months of searching without contact (中组部: 与党组织
# 失去联系六个月以上、经查找仍无联系的党员，可停止党籍).
SUSPEND_LOST_CONTACT_MONTHS = env_int("SUSPEND_LOST_CONTACT_MONTHS", 6)
