#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    # Files this process writes (the SQLite database, uploaded imports, exports with personal data) are private to
    # the service user; set before anything can create one.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
