import os

from django.core.wsgi import get_wsgi_application

# Files the server writes (the SQLite database, uploaded imports, exports with personal data) are private to the
# service user; gunicorn's workers import this module before serving anything.
os.umask(0o077)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
