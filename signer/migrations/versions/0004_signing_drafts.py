"""signing drafts: uploads with page previews, waiting for their seals to be placed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op
import sqlalchemy as sa
import signer.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('signing_drafts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('binding_token_hash', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('pages', sa.JSON(), nullable=False),
    sa.Column('placements', sa.JSON(), nullable=False),
    sa.Column('pades_level', sa.Enum('B-B', 'B-T', 'B-LT', 'B-LTA', name='padeslevel', native_enum=False,
                                     length=32), nullable=False),
    sa.Column('last_session_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', signer.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', signer.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ),
    sa.ForeignKeyConstraint(['last_session_id'], ['signing_sessions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signing_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_drafts_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signing_drafts_last_session_id'), ['last_session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signing_drafts_expires_at'), ['expires_at'], unique=False)

    op.create_table('signing_draft_pages',
    sa.Column('draft_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('image_sha256', sa.String(length=64), nullable=False),
    sa.Column('width_px', sa.Integer(), nullable=False),
    sa.Column('height_px', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['signing_drafts.id'], ),
    sa.PrimaryKeyConstraint('draft_id', 'number')
    )


def downgrade() -> None:
    op.drop_table('signing_draft_pages')
    with op.batch_alter_table('signing_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_drafts_expires_at'))
        batch_op.drop_index(batch_op.f('ix_signing_drafts_last_session_id'))
        batch_op.drop_index(batch_op.f('ix_signing_drafts_enterprise_id'))
    op.drop_table('signing_drafts')
