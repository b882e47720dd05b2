"""I 实体KEY: the wizard's 收件人 / 联系电话 / 邮寄地址 on the application

A KEY on its way is 邮寄中 (``in_transit``), a new value of the certificate status column (a non-native enum
of 32 characters, so no schema change for it).

Revision ID: 0006
Revises: 0005a
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('applications') as batch:
        batch.add_column(sa.Column('recipient_name', sa.String(length=50), nullable=True))
        batch.add_column(sa.Column('recipient_phone', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('mailing_address', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('applications') as batch:
        batch.drop_column('mailing_address')
        batch.drop_column('recipient_phone')
        batch.drop_column('recipient_name')
