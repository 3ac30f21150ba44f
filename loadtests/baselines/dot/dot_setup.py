"""Create the DOT database and a token pool in the same mix as tokenward's.

    DOT_DB=/tmp/dot.sqlite3 python loadtests/baselines/dot/dot_setup.py --out pool.json

Two confidential clients: one with a plain client secret, one with DOT's default
hashed secret (PBKDF2, verified on every introspection call). Opaque access tokens
(DOT's own kind) are written straight to the database: valid, expired, revoked
(deleted, as DOT's revocation does) and forged (random strings it never issued).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dot_settings")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--total", type=int, default=1000)
    p.add_argument("--ratio", default="85,5,5,5", help="valid,expired,revoked,forged")
    a = p.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    call_command("migrate", verbosity=0, interactive=False)
    user, _ = get_user_model().objects.get_or_create(username="lt-user")
    plain_secret = secrets.token_urlsafe(32)
    hashed_secret = secrets.token_urlsafe(32)
    common = {
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
        "user": user,
    }
    plain = Application.objects.create(
        name="lt-plain", client_secret=plain_secret, hash_client_secret=False, **common
    )
    hashed = Application.objects.create(
        name="lt-hashed", client_secret=hashed_secret, hash_client_secret=True, **common
    )

    weights = dict(
        zip(
            ("valid", "expired", "revoked", "forged"),
            (int(x) for x in a.ratio.split(",")),
            strict=True,
        )
    )
    counts = {k: a.total * w // sum(weights.values()) for k, w in weights.items()}
    now = timezone.now()
    tokens: dict[str, list[str]] = {k: [] for k in counts}
    rows = []
    for kind in ("valid", "expired", "revoked"):
        for _ in range(counts[kind]):
            value = secrets.token_urlsafe(30)
            tokens[kind].append(value)
            expires = now + (timedelta(hours=2) if kind != "expired" else -timedelta(hours=1))
            rows.append(
                AccessToken(
                    user=user, application=plain, token=value, expires=expires, scope="read:orders"
                )
            )
    for row in rows:  # save() fills token_checksum
        row.save()
    AccessToken.objects.filter(token__in=tokens["revoked"]).delete()
    tokens["forged"] = [secrets.token_urlsafe(30) for _ in range(counts["forged"])]
    a.out.write_text(
        json.dumps(
            {
                "target": "django-oauth-toolkit",
                "client_id": plain.client_id,
                "client_secret": plain_secret,
                "hashed_client_id": hashed.client_id,
                "hashed_client_secret": hashed_secret,
                "ratio": weights,
                "tokens": tokens,
            }
        )
    )


if __name__ == "__main__":
    main()
