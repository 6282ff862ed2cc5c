"""cases, case events, points ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:32:44.477135
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_counter',
    sa.Column('year', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_case_counter'))
    )
    op.create_table('points_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household', sa.String(length=100), nullable=False),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_points_account_balance_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_points_account_community_id_community'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_account')),
    sa.UniqueConstraint('community_id', 'household', name='uq_points_account_household')
    )
    op.create_index(op.f('ix_points_account_community_id'), 'points_account', ['community_id'], unique=False)
    op.create_geospatial_table('civic_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('tags', sa.ARRAY(sa.String(length=32)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('urgency', sa.String(length=16), server_default='normal', nullable=False),
    sa.Column('reporter_name', sa.String(length=100), nullable=True),
    sa.Column('reporter_phone', sa.String(length=32), nullable=True),
    sa.Column('anonymous', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('household', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('assignee_role', sa.String(length=32), nullable=True),
    sa.Column('response_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolve_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('satisfaction', sa.String(length=24), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("category IN ('dispute', 'hardship', 'suggestion', 'hazard', 'legal', 'sentiment', 'environment', 'other')", name=op.f('ck_civic_case_category')),
    sa.CheckConstraint("channel IN ('night_talk', 'mailbox', 'lawyer', 'grid_worker', 'rider', 'patrol', 'resident', 'hotline_12345', 'other')", name=op.f('ck_civic_case_channel')),
    sa.CheckConstraint("satisfaction IS NULL OR satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')", name=op.f('ck_civic_case_satisfaction')),
    sa.CheckConstraint("status IN ('received', 'dispatched', 'accepted', 'in_progress', 'resolved', 'visited', 'closed', 'returned', 'duplicate')", name=op.f('ck_civic_case_status')),
    sa.CheckConstraint("urgency IN ('normal', 'urgent', 'critical')", name=op.f('ck_civic_case_urgency')),
    sa.CheckConstraint('char_length(description) <= 4000', name=op.f('ck_civic_case_description_length')),
    sa.CheckConstraint('char_length(title) BETWEEN 1 AND 200', name=op.f('ck_civic_case_title_length')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_civic_case_version')),
    sa.ForeignKeyConstraint(['assignee_id'], ['person.id'], name=op.f('fk_civic_case_assignee_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_civic_case_community_id_community'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['civic_case.id'], name=op.f('fk_civic_case_duplicate_of_id_civic_case'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_civic_case_unit_id_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_civic_case')),
    sa.UniqueConstraint('code', name=op.f('uq_civic_case_code')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_civic_case_idempotency_key'))
    )
    op.create_geospatial_index('idx_civic_case_geom', 'civic_case', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_civic_case_assignee_id'), 'civic_case', ['assignee_id'], unique=False)
    op.create_index(op.f('ix_civic_case_category'), 'civic_case', ['category'], unique=False)
    op.create_index(op.f('ix_civic_case_community_id'), 'civic_case', ['community_id'], unique=False)
    op.create_index(op.f('ix_civic_case_received_at'), 'civic_case', ['received_at'], unique=False)
    op.create_index(op.f('ix_civic_case_status'), 'civic_case', ['status'], unique=False)
    op.create_index(op.f('ix_civic_case_unit_id'), 'civic_case', ['unit_id'], unique=False)
    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['civic_case.id'], name=op.f('fk_case_event_case_id_civic_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_case_event_community_id_community'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_event'))
    )
    op.create_index(op.f('ix_case_event_case_id'), 'case_event', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_event_community_id'), 'case_event', ['community_id'], unique=False)
    op.create_table('points_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('earn', 'redeem')", name=op.f('ck_points_entry_kind')),
    sa.CheckConstraint('balance_after >= 0', name=op.f('ck_points_entry_balance_after')),
    sa.CheckConstraint('points > 0', name=op.f('ck_points_entry_points_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['points_account.id'], name=op.f('fk_points_entry_account_id_points_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['civic_case.id'], name=op.f('fk_points_entry_case_id_civic_case'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_points_entry_community_id_community'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_entry')),
    sa.UniqueConstraint('case_id', name=op.f('uq_points_entry_case_id'))
    )
    op.create_index(op.f('ix_points_entry_account_id'), 'points_entry', ['account_id'], unique=False)
    op.create_index(op.f('ix_points_entry_community_id'), 'points_entry', ['community_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_points_entry_community_id'), table_name='points_entry')
    op.drop_index(op.f('ix_points_entry_account_id'), table_name='points_entry')
    op.drop_table('points_entry')
    op.drop_index(op.f('ix_case_event_community_id'), table_name='case_event')
    op.drop_index(op.f('ix_case_event_case_id'), table_name='case_event')
    op.drop_table('case_event')
    op.drop_index(op.f('ix_civic_case_unit_id'), table_name='civic_case')
    op.drop_index(op.f('ix_civic_case_status'), table_name='civic_case')
    op.drop_index(op.f('ix_civic_case_received_at'), table_name='civic_case')
    op.drop_index(op.f('ix_civic_case_community_id'), table_name='civic_case')
    op.drop_index(op.f('ix_civic_case_category'), table_name='civic_case')
    op.drop_index(op.f('ix_civic_case_assignee_id'), table_name='civic_case')
    op.drop_geospatial_index('idx_civic_case_geom', table_name='civic_case', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('civic_case')
    op.drop_index(op.f('ix_points_account_community_id'), table_name='points_account')
    op.drop_table('points_account')
    op.drop_table('case_counter')
