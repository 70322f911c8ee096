"""Kunde's one settings module. Everything a deployment changes comes from the environment
(README.md lists the variables); a bad value stops start-up with a message."""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from kunde.lib.env import env_bool, env_float, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
# Where the SQLite database, uploaded files and a development secret key live.
DATA_DIR = Path(env_str("KUNDE_DATA_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set SECRET_KEY (or SECRET_KEY_FILE), or DEBUG=1 for development."
        )
    # Development only: one random key kept on disk so sign-ins survive a restart.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY") else None
)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
# HTTPS: both off by default (a first run is plain HTTP); README's production settings set them.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is the domain owner's decision (README); Django warns whenever it is off.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Our pages load scripts, styles and images only from our own static files: no inline script
# or style. The favicon is an empty data: URL.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "kunde.accounts",
    "kunde.company",
    "kunde.activity",
    "kunde.customers",
    "kunde.projects",
    "kunde.invoices",
    "kunde.payments",
    "kunde.ehf",
    "kunde.api",
    "kunde.demo",
    "kunde.files",
    "kunde.offers",
    "kunde.stats",
    "django_tasks",
    "django_tasks_db",
    "kunde.jobs",
    "kunde.merges",
    "axes",
    "ninja",  # so /api/v1/docs uses the bundled Swagger UI files, not a CDN
]

MIDDLEWARE = [
    # First: an upload over MAX_UPLOAD_MB is refused by its Content-Length before anything reads it.
    "kunde.files.limits.UploadLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page requires a signed-in user unless its view says otherwise.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kunde.middleware.SecurityHeadersMiddleware",
    # A merged customer's pages lead to the survivor.
    "kunde.merges.middleware.MergedCustomerRedirectMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kunde.urls"
WSGI_APPLICATION = "kunde.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kunde.accounts.context_processors.permissions",
            ],
            "builtins": ["kunde.lib.template_filters"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kunde.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Writers take the lock at BEGIN, so two concurrent writers queue instead of failing
        # half-way with "database is locked"; WAL lets readers go on while one writes.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATA_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/customers/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out users and addresses first
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in rate limiting (django-axes, failures kept in the database so every app server sees
# them): LOGIN_FAILURE_LIMIT failures for one username, or from one address, lock it out for
# LOGIN_LOCKOUT_MINUTES. A successful sign-in clears the user's failures.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kunde.accounts.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "kunde.accounts.lockout.client_ip"
AXES_ENABLE_ADMIN = False
AXES_USERNAME_FORM_FIELD = "username"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["kunde.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Oslo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # `kunde` itself is no app
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"
# One storage for every file Kunde keeps (uploads, issued PDFs, bank files, exports, import
# progress): a folder on this machine, or S3-compatible object storage shared by app servers.
FILE_STORAGE = env_str("FILE_STORAGE", "local")
if FILE_STORAGE == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif FILE_STORAGE == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "default_acl": None,
            "querystring_auth": True,
            # Signed download links (FILE_DOWNLOAD_REDIRECT) live this many seconds.
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 60),
            "file_overwrite": False,
            # Files opened through the storage spill to disk above 8 MB instead of memory.
            "max_memory_size": 8 * 1024 * 1024,
        },
    }
    if not _default_storage["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("FILE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
else:
    raise ImproperlyConfigured(f"FILE_STORAGE must be local or s3, not {FILE_STORAGE!r}")
# S3 only: a download answers with a redirect to a short-lived signed URL instead of streaming
# the bytes through the app server.
FILE_DOWNLOAD_REDIRECT = env_bool("FILE_DOWNLOAD_REDIRECT", False)
# Uploads: the largest file, the refused types (".ext" or "type/subtype"), and how long a
# deleted upload stays restorable before `kunde purge-files` removes it.
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 100)
BLOCKED_UPLOAD_TYPES = env_list(
    "BLOCKED_UPLOAD_TYPES",
    [
        *".exe .dll .com .bat .cmd .msi .scr .pif .cpl .ps1 .vbs .jar .sh .apk .app".split(),
        *".html .htm .xhtml .shtml .svg .hta".split(),
        "application/x-msdownload",
        "application/x-dosexec",
        "application/x-executable",
        "application/x-mach-binary",
        "text/x-shellscript",
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
    ],
)
FILES_RETENTION_DAYS = env_int("FILES_RETENTION_DAYS", 90)
FILES_PER_PAGE = env_int("FILES_PER_PAGE", 50)
# Uploaded bytes go to a temporary file as they arrive (never all in memory), counted (an upload
# past MAX_UPLOAD_MB stops at once) and hashed on the way. The folder is beside the media folder,
# so storing an upload on the local disk is a rename, not a copy.
FILE_UPLOAD_HANDLERS = ["kunde.files.limits.SizeLimitUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env_str("FILE_UPLOAD_TEMP_DIR", str(DATA_DIR / "upload-tmp"))
try:  # Django's system check (files.E001) wants the folder to exist
    Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
except OSError:
    pass  # a read-only data folder: the system check then says which folder
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kunde@localhost")

# The public business register (Enhetsregisteret). Tests point this at a local server.
BRREG_BASE_URL = env_str("BRREG_BASE_URL", "https://data.brreg.no/enhetsregisteret/api")
BRREG_TIMEOUT_SECONDS = env_float("BRREG_TIMEOUT_SECONDS", 3.0)

CUSTOMERS_PER_PAGE = env_int("CUSTOMERS_PER_PAGE", 50)

# Background jobs (kunde/jobs): the task queue is Django's Tasks interface; by default its queue
# is a table of our own database, run by `kunde worker`.
TASKS = {
    "default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.backend.DatabaseBackend")}
}
JOBS_POLL_SECONDS = env_float("JOBS_POLL_SECONDS", 0.1)  # an idle worker looks this often
JOBS_LEASE_SECONDS = env_float("JOBS_LEASE_SECONDS", 120)  # a silent worker is dead after this
JOBS_REAP_SECONDS = env_float("JOBS_REAP_SECONDS", 5)  # how often a worker looks for dead ones
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 3)
JOBS_RETRY_BASE_SECONDS = env_float("JOBS_RETRY_BASE_SECONDS", 30)
DELIVERY_EMAIL_ATTEMPTS = env_int("DELIVERY_EMAIL_ATTEMPTS", 5)
DELIVERY_EMAIL_RETRY_SECONDS = env_float("DELIVERY_EMAIL_RETRY_SECONDS", 60)  # doubles each time
# Payment files above this size are imported by a worker (the request answers at once).
PAYMENT_IMPORT_QUEUE_ABOVE_BYTES = env_int("PAYMENT_IMPORT_QUEUE_ABOVE_BYTES", 200 * 1024)
# Downloads (invoices report, statement) of more rows than this are made by a worker; the file
# is kept this many hours. The print-queue PDF of more documents than this, likewise.
DOWNLOADS_QUEUE_ABOVE_ROWS = env_int("DOWNLOADS_QUEUE_ABOVE_ROWS", 2000)
DOWNLOADS_KEEP_HOURS = env_float("DOWNLOADS_KEEP_HOURS", 24)
PRINT_QUEUE_ABOVE_DOCUMENTS = env_int("PRINT_QUEUE_ABOVE_DOCUMENTS", 50)
# An issued document whose PDF is still missing after this many seconds (its render was lost)
# is rendered by a worker's housekeeping.
PDF_RENDER_LOST_AFTER_SECONDS = env_float("PDF_RENDER_LOST_AFTER_SECONDS", 60)

# EHF (kunde.ehf): the access point's HTTP API, an outbox folder in the file storage for
# providers that pick files up, e-mail when the receiver cannot take EHF, and Peppol discovery.
EHF_ACCESS_POINT_URL = env_str("EHF_ACCESS_POINT_URL")
EHF_ACCESS_POINT_TOKEN = env_str("EHF_ACCESS_POINT_TOKEN")
EHF_ACCESS_POINT_TIMEOUT = env_float("EHF_ACCESS_POINT_TIMEOUT", 10.0)
EHF_OUTBOX = env_str("EHF_OUTBOX")
EHF_DELIVERY_ATTEMPTS = env_int("EHF_DELIVERY_ATTEMPTS", 6)  # access point down or too slow
EHF_DELIVERY_RETRY_SECONDS = env_float("EHF_DELIVERY_RETRY_SECONDS", 60)  # doubles each time
EHF_POLL_ATTEMPTS = env_int("EHF_POLL_ATTEMPTS", 10)  # asking for delivered/rejected; 0: never
EHF_POLL_RETRY_SECONDS = env_float("EHF_POLL_RETRY_SECONDS", 60)  # doubles each time
EHF_CALLBACK_TOKEN = env_str("EHF_CALLBACK_TOKEN")  # bearer token of POST /ehf/callback/
PEPPOL_SML_DOMAIN = env_str("PEPPOL_SML_DOMAIN", "edelivery.tech.ec.europa.eu")
PEPPOL_SMP_URL = env_str("PEPPOL_SMP_URL")  # skip DNS and ask this SMP (tests, private setups)
PEPPOL_TIMEOUT = env_float("PEPPOL_TIMEOUT", 5.0)
PEPPOL_LOOKUP_MAX_AGE_DAYS = env_int("PEPPOL_LOOKUP_MAX_AGE_DAYS", 7)

LOGGING = {  # sign-in lock-outs are logged as warnings by kunde.accounts.lockout and axes
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
