"""Sampling tables of ANSI/ASQ Z1.4 / ISO 2859-1 (the public-domain MIL-STD-105E): sample size
code letters (Table I) and single sampling plans for normal and tightened inspection (Tables
II-A and II-B) for AQLs 0.010 to 10 (percent nonconforming), as data.

Each plan cell is stored as printed: an acceptance/rejection pair or an arrow, resolved by
`quality.sampling_plan` (app/db/sql/sampling.sql). Two cells the tables leave without a plan
to point at are stored as the arrow that reaches one: A at AQL 10 on normal inspection points
down (nothing is above A), R at 0.015 points up (nothing is below R).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from app.db.migrate import execute_sql, secure_database

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
# Table I: lot size from, to; code letter per level S-1 S-2 S-3 S-4 I II III
CODE_LETTERS = """
2 8 A A A A A A B
9 15 A A A A A B C
16 25 A A B B B C D
26 50 A B B C C D E
51 90 B B C C C E F
91 150 B B C D D F G
151 280 B C D E E G H
281 500 B C D E F H J
501 1200 C C E F G J K
1201 3200 C D E G H K L
3201 10000 C D F G J L M
10001 35000 C D F H K M N
35001 150000 D E G J L N P
150001 500000 D E G J M P Q
500001 - D E H K N Q R
"""
AQLS = ("0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65",
        "1.0", "1.5", "2.5", "4.0", "6.5", "10")
# Tables II-A and II-B: code letter, sample size, then Ac/Re or an arrow per AQL above
NORMAL = """
A 2     v     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v
B 3     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v
C 5     v     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2
D 8     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3
E 13    v     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4
F 20    v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6
G 32    v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8
H 50    v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11
J 80    v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15
K 125   v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22
L 200   v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^
M 315   v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^
N 500   v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^
P 800   v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^
Q 1250 0/1    ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^
R 2000  ^     ^   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^
"""
TIGHTENED = """
A 2     v     v     v     v     v     v     v     v     v     v     v     v     v     v     v     v
B 3     v     v     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1
C 5     v     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v
D 8     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v   1/2
E 13    v     v     v     v     v     v     v     v     v     v     v     v   0/1     v   1/2   2/3
F 20    v     v     v     v     v     v     v     v     v     v     v   0/1     v   1/2   2/3   3/4
G 32    v     v     v     v     v     v     v     v     v     v   0/1     v   1/2   2/3   3/4   5/6
H 50    v     v     v     v     v     v     v     v     v   0/1     v   1/2   2/3   3/4   5/6   8/9
J 80    v     v     v     v     v     v     v     v   0/1     v   1/2   2/3   3/4   5/6   8/9 12/13
K 125   v     v     v     v     v     v     v   0/1     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19
L 200   v     v     v     v     v     v   0/1     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^
M 315   v     v     v     v     v   0/1     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^
N 500   v     v     v     v   0/1     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^
P 800   v     v     v   0/1     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^
Q 1250  v     v   0/1     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^
R 2000  v   0/1     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^
S 3150 0/1    v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^
"""


def _rows() -> tuple[list[dict[str, object]], list[dict[str, object]], list[dict[str, object]]]:
    letters: list[dict[str, object]] = []
    for line in CODE_LETTERS.strip().splitlines():
        low, high, *codes = line.split()
        for level, code in zip(LEVELS, codes, strict=True):
            letters.append({"level": level, "lot_min": int(low),
                            "lot_max": None if high == "-" else int(high), "code": code})
    sizes: list[dict[str, object]] = []
    plans: list[dict[str, object]] = []
    for severity, table in (("normal", NORMAL), ("tightened", TIGHTENED)):
        for ordinal, line in enumerate(table.strip().splitlines()):
            code, size, *cells = line.split()
            sizes.append({"severity": severity, "code": code, "ordinal": ordinal,
                          "sample_size": int(size)})
            for aql, cell in zip(AQLS, cells, strict=True):
                accept = reject = None
                arrow = {"v": "down", "^": "up"}.get(cell)
                if arrow is None:
                    accept, reject = (int(n) for n in cell.split("/"))
                plans.append({"severity": severity, "code": code, "aql": aql, "arrow": arrow,
                              "accept": accept, "reject": reject})
    return letters, sizes, plans


def upgrade() -> None:
    letters_table = op.create_table(
        "sampling_code_letters",
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("lot_min", sa.Integer(), nullable=False),
        sa.Column("lot_max", sa.Integer(), nullable=True),
        sa.Column("code", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("level", "lot_min", name=op.f("pk_sampling_code_letters")),
        schema="quality",
    )
    sizes_table = op.create_table(
        "sampling_sample_sizes",
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("severity", "code", name=op.f("pk_sampling_sample_sizes")),
        sa.UniqueConstraint("severity", "ordinal", name=op.f("uq_sampling_sample_sizes_severity_ordinal")),
        schema="quality",
    )
    plans_table = op.create_table(
        "sampling_plans",
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("aql", sa.Numeric(), nullable=False),
        sa.Column("arrow", sa.Text(), nullable=True),
        sa.Column("accept", sa.Integer(), nullable=True),
        sa.Column("reject", sa.Integer(), nullable=True),
        sa.CheckConstraint("(arrow IN ('up', 'down')) = (accept IS NULL AND reject IS NULL)",
                           name=op.f("ck_sampling_plans_plan_or_arrow")),
        sa.ForeignKeyConstraint(["severity", "code"], ["quality.sampling_sample_sizes.severity",
                                                       "quality.sampling_sample_sizes.code"],
                                name=op.f("fk_sampling_plans_severity_sampling_sample_sizes")),
        sa.PrimaryKeyConstraint("severity", "code", "aql", name=op.f("pk_sampling_plans")),
        schema="quality",
    )
    letters, sizes, plans = _rows()
    op.bulk_insert(letters_table, letters)
    op.bulk_insert(sizes_table, sizes)
    op.bulk_insert(plans_table, plans)
    execute_sql("""
GRANT SELECT ON quality.sampling_code_letters, quality.sampling_sample_sizes, quality.sampling_plans
    TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
""")
    secure_database()


def downgrade() -> None:
    op.drop_table("sampling_plans", schema="quality")
    op.drop_table("sampling_sample_sizes", schema="quality")
    op.drop_table("sampling_code_letters", schema="quality")
