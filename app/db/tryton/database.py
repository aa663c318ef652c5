"""A Tryton database on Lotproof's server: its trytond configuration, its creation with the modules
the demo distributor needs, the company and its accounting, and a proteus connection to it.

Creating runs `trytond-admin` in a subprocess (it loads every module, creates the tables and loads
the modules' data; 2 to 3 minutes on a 2-core machine), then sets up the company through proteus in
this process. trytond keeps one configuration, one pool of models and one connection pool per
database name for the whole process: `open_config` re-reads the configuration, and
`close_database` ends the connections to a database so that it can be copied (CREATE DATABASE ...
TEMPLATE) or dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from psycopg import sql
from sqlalchemy.engine import URL

from app.db.server import ServerTarget, connect
from app.db.settings import data_dir

# Activated with their dependencies (stock, product, party, company, currency, account,
# account_invoice, account_product, account_invoice_stock, country).
MODULES = ("stock_lot", "stock_lot_sled", "purchase", "sale", "production", "stock_split",
           "quality")
ADMIN_LOGIN = "admin"
ADMIN_EMAIL = "admin@lotproof-demo.example"
COMPANY_NAME = "Lakeport Demo Distribution Inc."
COMPANY_ADDRESS = ("1 Riverbend Way", "Lakeport", "10001")
CURRENCY = ("USD", "U.S. Dollar", "$")
CHART_TEMPLATE = "account.account_template_root_en"  # the minimal chart Tryton ships
PAYMENT_TERM = "Net 30 days"

Progress = Callable[[str], None]


class TrytonSetupError(Exception):
    pass


@dataclass(frozen=True)
class TrytonSetupReport:
    database: str
    config_file: Path
    created: bool  # False: the database already was a Tryton database with the modules
    admin_seconds: float  # trytond-admin: tables and module data
    company_seconds: float  # company, chart of accounts, fiscal years, payment term
    admin_password_file: Path | None


def tryton_uri(url: URL) -> str:
    """The `[database] uri` trytond 8.2 accepts for a server: `postgresql://user:pw@/?host=/dir`
    for a socket directory (libpq keywords in the query), `postgresql://user:pw@host:port/` else.
    trytond replaces the path with each database's name."""
    user = urllib.parse.quote(url.username or "", safe="")
    password = urllib.parse.quote(str(url.password), safe="") if url.password else ""
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    query = {key: (value if isinstance(value, str) else value[0])
             for key, value in url.query.items()}
    netloc = credentials + (url.host or "") + (f":{url.port}" if url.port and url.host else "")
    if not url.host and url.port:
        query.setdefault("port", str(url.port))
    return urllib.parse.urlunsplit(
        ("postgresql", netloc, "/", urllib.parse.urlencode(query), ""))


def default_config_dir() -> Path:
    return data_dir() / "tryton"


def write_config(target: ServerTarget, config_dir: Path | None = None) -> Path:
    """The trytond configuration for the server (one file per server, mode 0600: it holds the
    password), with the attachments' folder beside it."""
    directory = config_dir or default_config_dir()
    directory.mkdir(parents=True, exist_ok=True)
    uri = tryton_uri(target.admin_url)
    tag = hashlib.sha256(uri.encode()).hexdigest()[:12]
    files = directory / f"files-{tag}"
    files.mkdir(exist_ok=True)
    path = directory / f"trytond-{tag}.conf"
    text = (
        "# written by Lotproof (app/db/tryton/database.py)\n"
        "[database]\n"
        f"uri = {uri}\n"
        f"path = {files}\n"
        "language = en\n"
    )
    if not path.exists() or path.read_text() != text:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)
    return path


def database_exists(target: ServerTarget, dbname: str) -> bool:
    with connect(target.admin_url.set(database="postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
    return row is not None


def activated_modules(target: ServerTarget, dbname: str) -> set[str]:
    """The Tryton modules activated in a database (empty when it is no Tryton database)."""
    with connect(target.admin_url.set(database=dbname), autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('public.ir_module')").fetchone() == (None,):
            return set()
        rows = conn.execute("SELECT name FROM ir_module WHERE state = 'activated'").fetchall()
    return {str(name) for (name,) in rows}


def has_company(target: ServerTarget, dbname: str) -> bool:
    with connect(target.admin_url.set(database=dbname), autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('public.company_company')").fetchone() == (None,):
            return False
        return conn.execute("SELECT 1 FROM company_company LIMIT 1").fetchone() is not None


def create_tryton_database(target: ServerTarget, dbname: str, *,
                           config_dir: Path | None = None,
                           fiscal_years: tuple[int, ...] | None = None,
                           progress: Progress | None = None) -> TrytonSetupReport:
    """Create `dbname` if needed, activate MODULES with trytond-admin, and set up the company
    (currency, party, chart of accounts, fiscal years, payment term). Idempotent: each step is
    skipped when done. `fiscal_years` defaults to last year and this one."""
    say = progress or (lambda _text: None)
    config_file = write_config(target, config_dir)
    created_now = not database_exists(target, dbname)
    if created_now:
        say(f"creating database {dbname}")
        _admin_sql(target, sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'")
                   .format(sql.Identifier(dbname)))
    started = time.perf_counter()
    password_file: Path | None = None
    missing = set(MODULES) - activated_modules(target, dbname)
    if missing:
        say(f"activating Tryton modules {', '.join(sorted(missing))} (trytond-admin)")
        password_file = config_file.parent / f"{dbname}.admin-password"
        try:
            _run_admin(config_file, dbname, password_file)
        except BaseException:
            # trytond-admin sets up the admin user only on a database's first initialisation:
            # a half-made database would never get one
            if created_now:
                _admin_sql(target, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                           .format(sql.Identifier(dbname)))
            raise
    admin_seconds = time.perf_counter() - started
    started = time.perf_counter()
    if not has_company(target, dbname):
        say("setting up the company, its chart of accounts and fiscal years")
        config = open_config(target, dbname, config_dir=config_dir)
        today = dt.date.today()
        setup_company(config, years=fiscal_years or (today.year - 1, today.year))
    return TrytonSetupReport(dbname, config_file, bool(missing), admin_seconds,
                             time.perf_counter() - started, password_file)


def _admin_sql(target: ServerTarget, statement: sql.Composed) -> None:
    with connect(target.admin_url.set(database="postgres"), autocommit=True) as conn:
        conn.execute(statement)


def _run_admin(config_file: Path, dbname: str, password_file: Path) -> None:
    """trytond-admin in a subprocess: activate MODULES (and their dependencies) in `dbname`.

    The admin user's password (asked for on first initialisation) comes from TRYTONPASSFILE: a
    random one, kept in `password_file` (0600) for anyone who wants to log in with a Tryton
    client. trytond-admin reads no standard input with --email given."""
    if not password_file.exists():
        fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(18) + "\n")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("TRYTOND_") and key != "TRYTON_CONFIG"}
    env["TRYTONPASSFILE"] = str(password_file)
    command = [sys.executable, "-c",
               "import sys; from trytond.cli.admin import main; sys.exit(main())",
               "-c", str(config_file), "-d", dbname, "--all", "-u", *MODULES,
               "--activate-dependencies", "--email", ADMIN_EMAIL, "--login", ADMIN_LOGIN]
    with tempfile.TemporaryFile("w+") as log:
        done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=log,
                              stderr=subprocess.STDOUT, check=False)
        if done.returncode != 0:
            log.seek(0)
            tail = log.read()[-4000:]
            raise TrytonSetupError(
                f"trytond-admin failed for database {dbname} (exit {done.returncode}):\n{tail}")


def open_config(target: ServerTarget, dbname: str, *, config_dir: Path | None = None) -> Any:
    """A proteus configuration connected to `dbname` as the admin user, in this process (proteus
    becomes the current configuration too). A new database name gets its own pool of models and
    connections; a name seen before reuses them."""
    from proteus import config as proteus_config

    config_file = write_config(target, config_dir)
    config = proteus_config.set_trytond(database=dbname, user=ADMIN_LOGIN,
                                        config_file=str(config_file))
    return config


def close_database(dbname: str) -> None:
    """End this process's connections to `dbname` and forget its pool of models, so that the
    database can be used as a template, dropped, or opened afresh under the same name."""
    if "trytond.backend" not in sys.modules:
        # nothing is open; importing it now would fix trytond's backend before its
        # configuration is read
        return
    from trytond import backend
    from trytond.cache import Cache
    from trytond.pool import Pool

    databases = backend.Database._databases.get(os.getpid(), {})
    if dbname in databases:
        databases[dbname].close()
    Pool.stop(dbname)
    Cache.drop(dbname)


def setup_company(config: Any, *, years: tuple[int, ...]) -> None:
    """The company (its party, currency), the chart of accounts from Tryton's minimal English
    template, fiscal years with periods and invoice sequences, and a payment term."""
    from proteus import Model, Wizard

    Currency = Model.get("currency.currency", config=config)
    Rate = Model.get("currency.currency.rate", config=config)
    Party = Model.get("party.party", config=config)
    User = Model.get("res.user", config=config)
    Country = Model.get("country.country", config=config)

    code, name, symbol = CURRENCY
    found = Currency.find([("code", "=", code)])
    if found:
        currency = found[0]
    else:
        currency = Currency(name=name, code=code, symbol=symbol, rounding=Decimal("0.01"))
        currency.save()
        Rate(date=dt.date(2000, 1, 1), rate=Decimal(1), currency=currency).save()

    party = Party(name=COMPANY_NAME)
    street, city, postal_code = COMPANY_ADDRESS
    address = party.addresses[0] if party.addresses else party.addresses.new()
    address.street = street
    address.city = city
    address.postal_code = postal_code
    countries = Country.find([("code", "=", "US")])
    if countries:
        address.country = countries[0]
    party.save()

    wizard = Wizard("company.company.config", config=config)
    wizard.execute("company")
    wizard.form.party = party
    wizard.form.currency = currency
    wizard.execute("add")
    config._context = User.get_preferences(True, {})
    company = Model.get("company.company", config=config).find()[0]

    _create_chart(config, company)
    for year in years:
        ensure_fiscal_year(config, company, year)
    PaymentTerm = Model.get("account.invoice.payment_term", config=config)
    if not PaymentTerm.find([("name", "=", PAYMENT_TERM)]):
        term = PaymentTerm(name=PAYMENT_TERM)
        line = term.lines.new(type="remainder")
        line.relativedeltas.new(days=30)
        term.save()


def _create_chart(config: Any, company: Any) -> None:
    from proteus import Model, Wizard

    Account = Model.get("account.account", config=config)
    if Account.find([("company", "=", company.id)], limit=1):
        return
    Template = Model.get("account.account.template", config=config)
    ModelData = Model.get("ir.model.data", config=config)
    wizard = Wizard("account.create_chart", config=config)
    wizard.execute("account")
    wizard.form.account_template = Template(ModelData.get_id(CHART_TEMPLATE, config.context))
    wizard.form.company = company
    wizard.execute("create_account")
    accounts = chart_accounts(config, company)
    if accounts["receivable"].party_required:
        wizard.form.account_receivable = accounts["receivable"]
    if accounts["payable"].party_required:
        wizard.form.account_payable = accounts["payable"]
    if hasattr(wizard.form, "category_account_expense"):
        wizard.form.category_account_expense = accounts["expense"]
    if hasattr(wizard.form, "category_account_revenue"):
        wizard.form.category_account_revenue = accounts["revenue"]
    wizard.execute("create_properties")


def chart_accounts(config: Any, company: Any) -> dict[str, Any]:
    """The company's receivable, payable, revenue and expense accounts (the first of each)."""
    from proteus import Model

    Account = Model.get("account.account", config=config)
    accounts: dict[str, Any] = {}
    for kind in ("receivable", "payable", "revenue", "expense"):
        found = Account.find([(f"type.{kind}", "=", True), ("company", "=", company.id),
                              ("closed", "!=", True)], limit=1)
        if not found:
            raise TrytonSetupError(f"the chart of accounts has no {kind} account")
        accounts[kind] = found[0]
    return accounts


def ensure_fiscal_year(config: Any, company: Any, year: int) -> None:
    """A calendar fiscal year with monthly periods, an account move sequence and invoice
    sequences, unless one covers 1 January of `year` already."""
    from proteus import Model

    FiscalYear = Model.get("account.fiscalyear", config=config)
    start = dt.date(year, 1, 1)
    if FiscalYear.find([("company", "=", company.id), ("start_date", "<=", start),
                        ("end_date", ">=", start)]):
        return
    Sequence = Model.get("ir.sequence.strict", config=config)
    SequenceType = Model.get("ir.sequence.type", config=config)
    move_type = SequenceType.find([("name", "=", "Account Move")], limit=1)[0]
    invoice_type = SequenceType.find([("name", "=", "Invoice")], limit=1)[0]
    move_sequence = Sequence(name=f"{year} moves", sequence_type=move_type, company=company)
    move_sequence.save()
    invoice_sequence = Sequence(name=f"{year} invoices", sequence_type=invoice_type,
                                company=company)
    invoice_sequence.save()
    fiscal_year = FiscalYear(name=str(year), start_date=start, end_date=dt.date(year, 12, 31),
                             company=company, move_sequence=move_sequence)
    sequences = fiscal_year.invoice_sequences[0]
    sequences.out_invoice_sequence = invoice_sequence
    sequences.in_invoice_sequence = invoice_sequence
    sequences.out_credit_note_sequence = invoice_sequence
    sequences.in_credit_note_sequence = invoice_sequence
    fiscal_year.save()
    fiscal_year.click("create_period")
