"""pdf job leases: per-enterprise cap on uploads in processing

Revision ID: 0005a
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa
import signer.models


revision = '0005a'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pdf_job_leases',
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=32), nullable=False),
    sa.Column('expires_at', signer.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('enterprise_id', 'slot')
    )


def downgrade() -> None:
    op.drop_table('pdf_job_leases')
