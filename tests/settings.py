"""Test settings: the real settings, pointed at a throw-away data directory."""

import os
import tempfile

os.environ.setdefault("AKRITES_DATA_DIR", tempfile.mkdtemp(prefix="akrites-test-"))
os.environ.setdefault("AKRITES_LOG_LEVEL", "WARNING")

from akrites.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
