"""replydesk settings: every value comes from the environment, with an embedded default (README, "Configuration")."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import embedded_secret_key, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("REPLYDESK_VAR_DIR", str(BASE_DIR / "var")))

# Mode: the embedded desk (SQLite, local cache, a generated key) when DEBUG is on, or when none of the
# production variables is set, so that a bare `python manage.py …` in a fresh clone works; production as
# soon as SECRET_KEY, DATABASE_URL or REDIS_URL is set, and then all of what production needs is required.
DEBUG = env_bool("DEBUG", False)
DEMO_MODE = env_bool("DEMO_MODE", False)
EMBEDDED = DEBUG or not any(env_str(name) for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"))

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SECRET_KEY is required in production (DEBUG off, DATABASE_URL or REDIS_URL set). Set it to a long "
            "random value (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = embedded_secret_key(VAR_DIR)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if EMBEDDED else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "accounts",
    "inbox",
    "audit",
    "quality",
    "listening",
    "reports",
    "guidelines",
    "verification",
    # The fake X server, the simulated customers and the demo seed (`make run` and the tests): management
    # commands only, never imported by the desk.
    "demo",
]

MIDDLEWARE = [
    "replydesk.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "replydesk.database_errors.DatabaseUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "replydesk.admin_queries.AdminQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "replydesk.private_pages.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "accounts.middleware.AccountStatusMiddleware",
    "replydesk.htmx_sessions.SignedOutHtmxMiddleware",
]

ROOT_URLCONF = "replydesk.urls"
WSGI_APPLICATION = "replydesk.wsgi.application"

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
                "django.template.context_processors.i18n",
                "accounts.context_processors.desk",
                "inbox.context_processors.overdue_banner",
                "guidelines.context_processors.must_accept",
            ],
        },
    },
]

# Database
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'replydesk.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded desk's web server and worker write to one file: WAL lets readers go on while one writes, and a
    # writer waits for the lock (up to `timeout` seconds) instead of failing with "database is locked"; IMMEDIATE
    # takes the write lock when a transaction begins, so two writers never deadlock upgrading their locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The role web, worker and beat connect as (README, "Database roles"). `migrate`, run as the owner, grants it what
# the desk needs, and on the audit trail only SELECT and INSERT. Empty: no grants are managed (SQLite, one role).
DATABASE_RUNTIME_ROLE = env_str("DATABASE_RUNTIME_ROLE")

# Cache and Celery: Redis when REDIS_URL is set; the embedded run needs neither.
REDIS_URL = env_str("REDIS_URL")
REDIS_SOCKET_TIMEOUT = float(env_int("REDIS_SOCKET_TIMEOUT_SECONDS", 5, minimum=2))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "replydesk"),
            # A Redis that hangs (a black-holed network) must not hang the page: fail after a few seconds.
            "OPTIONS": {"socket_timeout": REDIS_SOCKET_TIMEOUT, "socket_connect_timeout": REDIS_SOCKET_TIMEOUT},
        }
    }
elif not EMBEDDED:
    # allauth's sign-in rate limits live in the cache; a per-process cache would let an attacker
    # multiply the limit by the number of web workers.
    raise ImproperlyConfigured("REDIS_URL is required in production (cache and Celery broker).")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # An unacknowledged task is redelivered after this; the outbox never schedules a countdown near it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        # Without these kombu waits forever on a Redis that stopped answering, and so would an employee's
        # "Send" (the reply is safe in the outbox either way). Above the worker's 1 s BRPOP, as kombu requires.
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
        "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    }
if CELERY_BROKER_URL == "filesystem://":
    _celery_folder = VAR_DIR / "celery" / "messages"
    _celery_folder.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_folder),
        "data_folder_out": str(_celery_folder),
        # Broadcast (remote control) files; kombu's default is ./control in the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
CELERY_TASK_IGNORE_RESULT = True
# Several desks (or test runs) can share one Redis with a queue name each.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# Every task is safe to run again (README, "Worker"): a message is acknowledged only once its task finished,
# and one whose worker process died mid-task goes back to the queue instead of being lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Sends and sweeps are slow; a worker takes one message at a time, leaving the rest to idle workers.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # One beat at a time: the schedule lives in Redis under a lock that a second beat waits on (a second beat
    # running would enqueue every sweep twice). A beat that dies loses the lock after REDBEAT_LOCK_TIMEOUT.
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL
    CELERY_REDBEAT_REDIS_OPTIONS: dict = {}
    CELERY_REDBEAT_KEY_PREFIX = env_str("REDBEAT_KEY_PREFIX", "replydesk:redbeat")
    CELERY_REDBEAT_LOCK_TIMEOUT = env_int("REDBEAT_LOCK_TIMEOUT_SECONDS", 60, minimum=10)
    # Beat wakes at least this often; a waiting beat also tries the lock this often (redbeat's retry interval).
    CELERY_BEAT_MAX_LOOP_INTERVAL = 5
# Crontab entries (the weekly quality sample) run by the desk's clock (TIME_ZONE, below); intervals do not care.
CELERY_TIMEZONE = env_str("TIME_ZONE", "Asia/Tokyo")

# Accounts
AUTH_USER_MODEL = "accounts.Employee"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.EmployeeAuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# Staff numbers: what a valid one looks like (checked after NFKC and upper-casing) and how a reply is signed.
EMPLOYEE_NUMBER_PATTERN = env_str("EMPLOYEE_NUMBER_PATTERN", r"[A-Z0-9]{2,12}")
EMPLOYEE_NUMBER_HINT = env_str("EMPLOYEE_NUMBER_HINT", "E042")
REPLY_SIGNATURE_PREFIX = env_str("REPLY_SIGNATURE_PREFIX", "^")
# The public check (/check/): how many posts and signatures one address may check per window, counted in the cache.
PUBLIC_CHECK_RATE = (
    env_int("PUBLIC_CHECK_LIMIT", 30, minimum=1),
    timedelta(minutes=env_int("PUBLIC_CHECK_WINDOW_MINUTES", 10, minimum=1)),
)

ACCOUNT_ADAPTER = "accounts.adapters.EmployeeAccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.EmployeeSignupForm", "login": "accounts.forms.EmployeeLoginForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = "employee_number"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# allauth's defaults, written out so that nobody turns them off by accident.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "confirm_email": "1/3m/key",
}
MFA_ADAPTER = "accounts.adapters.EncryptedSecretsMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# A supervisor approved the person already; their e-mail need not be verified before TOTP is set up.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "replydesk")
# A code is accepted one 30-second step early or late (RFC 6238 §5.2; django-otp's default too): a person who types
# the code as it changes, or whose phone's clock is a few seconds off, is not refused. allauth's default is 0, under
# which a code read at 0:29 and sent at 0:31 failed, for people and for the browser tests alike.
MFA_TOTP_TOLERANCE = 1
# Fernet keys for TOTP secrets, newest first; without one, a key derived from SECRET_KEY is used.
MFA_ENCRYPTION_KEYS = env_list("MFA_ENCRYPTION_KEYS", [])

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

# Inbox
CLAIM_LEASE = timedelta(minutes=env_int("CLAIM_LEASE_MINUTES", 10))
# How many questions one employee may hold at once (supervisors are exempt).
CLAIM_HOLD_LIMIT = env_int("CLAIM_HOLD_LIMIT", 3, minimum=1)
INBOX_DEFAULT_QUEUE = env_str("INBOX_DEFAULT_QUEUE", "General")
# Service levels: minutes to answer a question, by priority (3 urgent … 0 low), wherever an administrator set
# none for the queue (Service levels in the admin); the queue's supervisors are warned at FACTOR × the level.
SERVICE_LEVEL_MINUTES = {
    3: env_int("SERVICE_LEVEL_MINUTES_URGENT", 15, minimum=1),
    2: env_int("SERVICE_LEVEL_MINUTES_HIGH", 30, minimum=1),
    1: env_int("SERVICE_LEVEL_MINUTES_NORMAL", 120, minimum=1),
    0: env_int("SERVICE_LEVEL_MINUTES_LOW", 480, minimum=1),
}
SERVICE_LEVEL_WARN_FACTOR = env_int("SERVICE_LEVEL_WARN_FACTOR", 2, minimum=1)
OVERDUE_SWEEP_SECONDS = env_int("OVERDUE_SWEEP_SECONDS", 60, minimum=1)
INBOX_PAGE_SIZE = 25

# X channel: the official account's credentials live only here (environment), never on a page.
X_CONSUMER_KEY = env_str("X_CONSUMER_KEY")
X_CONSUMER_SECRET = env_str("X_CONSUMER_SECRET")
X_ACCESS_TOKEN = env_str("X_ACCESS_TOKEN")
X_ACCESS_TOKEN_SECRET = env_str("X_ACCESS_TOKEN_SECRET")
X_ACCOUNT_ID = env_str("X_ACCOUNT_ID")
X_ACCOUNT_USERNAME = env_str("X_ACCOUNT_USERNAME")
# Empty: the real X API. The embedded desk points it at the fake X server on loopback.
X_API_BASE_URL = env_str("X_API_BASE_URL")
X_REQUEST_TIMEOUT = float(env_int("X_REQUEST_TIMEOUT_SECONDS", 10))
X_POLL_SECONDS = env_int("X_POLL_SECONDS", 30)

# Outbox: X allows 100 posts per 15 minutes per account; some accounts also have a daily cap (0: none).
POSTING_BUDGET = env_int("POSTING_BUDGET", 100)
POSTING_WINDOW = timedelta(minutes=env_int("POSTING_WINDOW_MINUTES", 15))
POSTING_DAILY_CAP = env_int("POSTING_DAILY_CAP", 0)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
# A reply still "sending" after this long was interrupted (a crash) and is reconciled with X before any resend.
OUTBOX_SENDING_STALE = timedelta(seconds=env_int("OUTBOX_SENDING_STALE_SECONDS", 120))
# Retries due sooner than this are also scheduled as a task countdown; later ones only wait in the table for the
# periodic drain, since a countdown longer than the broker's visibility timeout would be redelivered early.
OUTBOX_MAX_COUNTDOWN = timedelta(seconds=60)

# Audit trail (README, "Audit trail"). The sealer anchors every batch outside the database before it commits: to
# this file (on a volume the database cannot write) and, when set, to a syslog collector (udp://host:514,
# tcp://host:514 or a socket path). Entries older than the late-commit window are never sealed, only reported.
AUDIT_ANCHOR_FILE = env_str("AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchors.jsonl"))
AUDIT_ANCHOR_SYSLOG = env_str("AUDIT_ANCHOR_SYSLOG")
AUDIT_SEAL_SECONDS = env_int("AUDIT_SEAL_SECONDS", 5, minimum=1)
AUDIT_LATE_COMMIT_SECONDS = env_int("AUDIT_LATE_COMMIT_SECONDS", 300, minimum=10)
# The hourly checkpoint: the head noted in the database and mailed here, when set.
AUDIT_CHECKPOINT_EMAIL = env_str("AUDIT_CHECKPOINT_EMAIL")

# Beat: the worker's periodic sweeps.
CELERY_BEAT_SCHEDULE = {
    "poll-mentions": {"task": "inbox.tasks.poll_mentions", "schedule": float(X_POLL_SECONDS)},
    "drain-outbox": {"task": "inbox.tasks.drain_outbox", "schedule": 15.0},
    "release-expired-claims": {"task": "inbox.tasks.release_expired_claims", "schedule": 30.0},
    "flag-unanswered": {"task": "inbox.tasks.flag_unanswered", "schedule": float(OVERDUE_SWEEP_SECONDS)},
    "seal-audit-trail": {"task": "audit.tasks.seal_audit_trail", "schedule": float(AUDIT_SEAL_SECONDS)},
    "write-audit-checkpoint": {
        "task": "audit.tasks.write_audit_checkpoint",
        "schedule": float(env_int("AUDIT_CHECKPOINT_SECONDS", 3600)),
    },
    # Monday 00:00 in TIME_ZONE (CELERY_TIMEZONE): the week just ended is sampled for quality review.
    "sample-replies-for-review": {
        "task": "quality.tasks.sample_replies_for_review",
        "schedule": crontab(minute=0, hour=0, day_of_week="mon"),
    },
    # Listening streams: each poll asks X only for the streams whose own interval has passed.
    "poll-listening-streams": {"task": "listening.tasks.poll_listening_streams", "schedule": 60.0},
    # The reports' day figures: today's and yesterday's every 10 minutes, the last weeks' each night (a question
    # answered days later moves the day it was asked on).
    "refresh-report-figures": {"task": "reports.tasks.refresh_recent_figures", "schedule": 600.0},
    "refresh-report-history": {
        "task": "reports.tasks.refresh_report_history",
        "schedule": crontab(minute=30, hour=3),
    },
    # Monday morning in TIME_ZONE: last week's report to the supervisors (after the 03:30 refresh above).
    "mail-weekly-report": {
        "task": "reports.tasks.mail_weekly_report",
        "schedule": crontab(minute=0, hour=env_int("REPORT_MAIL_HOUR", 9, minimum=4), day_of_week="mon"),
    },
}

# Reports (reports/). Business hours for queues without their own (an administrator sets them under Settings):
# opening, closing, working days (Monday is 0); Japan's public holidays are closed days.
REPORT_BUSINESS_HOURS = (
    env_str("REPORT_OPENS_AT", "09:00"),
    env_str("REPORT_CLOSES_AT", "18:00"),
    tuple(int(day) for day in env_str("REPORT_WORKING_DAYS", "0,1,2,3,4").split(",") if day.strip()),
)
REPORT_HOLIDAY_COUNTRY = env_str("REPORT_HOLIDAY_COUNTRY", "JP")
# The weekly mail's language (every supervisor gets the same mail).
REPORT_MAIL_LANGUAGE = env_str("REPORT_MAIL_LANGUAGE", "ja")
# How many days back the nightly refresh recomputes.
REPORT_HISTORY_DAYS = env_int("REPORT_HISTORY_DAYS", 35, minimum=2)
# X's pay-per-use prices in US dollars (X's pricing page, 2026-08): a summoned reply, an owned read (a mention).
X_PRICE_REPLY_USD = float(env_str("X_PRICE_REPLY_USD", "0.010"))
X_PRICE_OWNED_READ_USD = float(env_str("X_PRICE_OWNED_READ_USD", "0.001"))

# Listening (listening/): keyword streams on X's recent search. X's pay-per-use prices in US dollars, from
# X's pay-per-use price list (docs.x.com, pricing, 2026): each post a search returns is billed
# (de-duplicated per UTC day), each counts request is billed once whatever it counts.
LISTENING_PRICE_POST_READ_USD = float(env_str("LISTENING_PRICE_POST_READ_USD", "0.005"))
LISTENING_PRICE_COUNTS_REQUEST_USD = float(env_str("LISTENING_PRICE_COUNTS_REQUEST_USD", "0.005"))
# How often a stream's volume chart is refreshed from X's counts (one request each time), and its buckets: the
# last 7 days by day, the last 24 hours by hour or the last hour by minute.
LISTENING_VOLUME_REFRESH_MINUTES = env_int("LISTENING_VOLUME_REFRESH_MINUTES", 360, minimum=5)
LISTENING_VOLUME_GRANULARITY = env_str("LISTENING_VOLUME_GRANULARITY", "day")
if LISTENING_VOLUME_GRANULARITY not in ("minute", "hour", "day"):
    raise ImproperlyConfigured("LISTENING_VOLUME_GRANULARITY must be minute, hour or day.")
# X serves recent counts to the app's bearer token only (the fake X accepts any); without it the real X refuses them.
X_BEARER_TOKEN = env_str("X_BEARER_TOKEN")

# Quality review (quality/): each week, per employee, a share of last week's sent replies is drawn for review (at
# least MIN and at most MAX), besides the replies the automatic checks flag and a new employee's first replies.
QUALITY_SAMPLE_SHARE_PERCENT = env_int("QUALITY_SAMPLE_SHARE_PERCENT", 10, minimum=1)
QUALITY_SAMPLE_MIN = env_int("QUALITY_SAMPLE_MIN", 2, minimum=0)
QUALITY_SAMPLE_MAX = env_int("QUALITY_SAMPLE_MAX", 5, minimum=0)  # 0: no random share, the automatic picks only
if QUALITY_SAMPLE_MAX < QUALITY_SAMPLE_MIN:
    raise ImproperlyConfigured("QUALITY_SAMPLE_MAX must be at least QUALITY_SAMPLE_MIN.")
QUALITY_FIRST_REPLIES = env_int("QUALITY_FIRST_REPLIES", 10, minimum=0)
# Off: the reply's approver never reviews it (the review is a third pair of eyes).
QUALITY_REVIEWER_MAY_BE_APPROVER = env_bool("QUALITY_REVIEWER_MAY_BE_APPROVER", False)

# E-mail
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# For django.core.mail.backends.filebased.EmailBackend: each message lands in a file here.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
# A mail server that hangs is given up after this many seconds: well inside the weekly report's 10-minute hold on
# mailing (reports/weekly.py MAILING_STALE), so that a hung send never lets a second run mail the report again.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 60, minimum=1)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Where people reach the desk: links in e-mails start with it.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if EMBEDDED else "")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "replydesk <replydesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Languages
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Tokyo")
USE_TZ = True

# Static files
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
WHITENOISE_USE_FINDERS = DEBUG

# Security: HTTPS is assumed in production (TLS ends at a proxy in front of gunicorn).
HTTPS = env_bool("HTTPS", not EMBEDDED)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", int(timedelta(hours=12).total_seconds()))
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp), on every response: scripts and styles only from the desk's own static
# files, so nothing injected into a page (a customer's post, a template's text) can run or restyle it. No inline
# script or style, no eval: the pages, htmx (told by a <meta name="htmx-config"> in base.html not to inject its
# indicator <style>), allauth and the admin need none. `data:` images for the TOTP QR code, which allauth draws
# as a data: URI. No report-uri: a violation is a bug the browser tests catch (tests/browser/conftest.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_without_traceback": {"()": "replydesk.log_filters.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Everything reaches the root's console once: Django's own console handler (DEBUG only) printed every
        # django.* line a second time, the autoreloader's among them.
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["client_errors_without_traceback"]},
    },
}
