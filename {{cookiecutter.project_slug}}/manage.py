#!/usr/bin/env python
"""Django's command-line utility. Development settings unless told otherwise."""

import os
import sys
from pathlib import Path


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    # Commands read this checkout's .env; empty reads none, and on a server
    # DJANGO_ENV_FILE=/etc/<service>/env reads the service's own file.
    os.environ.setdefault("DJANGO_ENV_FILE", str(Path(__file__).with_name(".env")))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
