"""Mistakes and refusals on the command line end in one clear message and a non-zero exit, never
a traceback: a setting that is not a URL, a role the database refuses, a NUL character."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from app.cli import main
from app.db.engine import make_engine
from app.db.errors import InvalidText, describe, translate
from app.db.server import ServerTarget, libpq_url
from tests.conftest import DEMO_PASSWORDS


def lotproof(*args: str, url: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LOTPROOF_DATABASE_URL=url)
    return subprocess.run([sys.executable, "-m", "app", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)


def one_message(out: subprocess.CompletedProcess[str] | tuple[int, str]) -> str:
    code, stderr = (out.returncode, out.stderr) if isinstance(out, subprocess.CompletedProcess) \
        else out
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("lotproof: "), stderr
    return lines[0]


@pytest.mark.parametrize("url, shown", [
    ("nonsense", "'nonsense'"),
    ("postgresql://owner:secret@db.example:notaport/erp",
     "'postgresql://owner:***@db.example:notaport/erp'"),
])
def test_a_database_url_that_is_not_a_url(url: str, shown: str) -> None:
    message = one_message(lotproof("lot", "list", url=url))
    assert f"LOTPROOF_DATABASE_URL is not a URL: {shown}" in message
    assert "postgresql://USER:PASSWORD@HOST:5432/DATABASE" in message
    assert "secret" not in message


def test_a_database_url_of_another_kind_of_server() -> None:
    message = one_message(lotproof("lot", "list", url="mysql://someone@db.example/erp"))
    assert "names a 'mysql' server, not PostgreSQL" in message


def test_user_add_with_a_role_that_may_not_add_users(shared_db: ServerTarget) -> None:
    approver = libpq_url(shared_db.url_for("arlo.approver", DEMO_PASSWORDS["arlo.approver"]),
                         show_password=True)
    out = lotproof("user", "add", "not.allowed", "--role", "inspector", "--password-stdin",
                   url=approver, stdin="long-enough-1\n")
    message = one_message(out)
    assert ("only an administrator may add users" in message
            or "permission denied for function create_user" in message), message
    assert "SCRAM-SHA-256" not in out.stderr and "SELECT" not in out.stderr


def test_a_nul_character_in_an_argument_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lot", "list", "--search", "a\x00b"])
    message = one_message((code, capsys.readouterr().err))
    assert "--search contains a NUL character (\\x00)" in message
    code = main(["lot", "hold", "L-1", "--user", "ivy.inspector", "--reason=bad\x00reason"])
    assert "--reason contains a NUL character" in one_message((code, capsys.readouterr().err))


def test_a_nul_character_in_a_password_from_stdin(shared_db: ServerTarget) -> None:
    out = lotproof("lot", "list", "--user", "ivy.inspector", "--password-stdin",
                   url=libpq_url(shared_db.admin_url, show_password=True),
                   stdin="demo\x00inspector\n")
    assert "the password contains a NUL character" in one_message(out)


def test_a_nul_character_that_reaches_the_driver_is_named(shared_db: ServerTarget) -> None:
    """Text from anywhere else (a file, another client of the API): the driver refuses it before
    sending; the error names the statement's parameter rather than dumping the statement."""
    engine = make_engine(shared_db.admin_url)
    try:
        with pytest.raises(sa_exc.DBAPIError) as caught, engine.connect() as conn:
            conn.execute(text("SELECT lot_code FROM quality.lots WHERE lot_code = :code"),
                         {"code": "L\x00"})
    finally:
        engine.dispose()
    error = translate(caught.value)
    assert isinstance(error, InvalidText)
    assert "NUL character (\\x00) (parameter code)" in str(error)
    assert describe(caught.value) == str(error)
