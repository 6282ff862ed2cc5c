"""initial schema: community, unit, person, responsibility, site, site_activity

Revision ID: 0001
Revises:
Create Date: 2026-11-26 23:26:56.691412
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_geospatial_table('community',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('town', sa.String(length=200), nullable=True),
    sa.Column('boundary', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community')),
    sa.UniqueConstraint('code', name=op.f('uq_community_code'))
    )
    op.create_geospatial_index('idx_community_boundary', 'community', ['boundary'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('party_member', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_person_community_id_community'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person'))
    )
    op.create_index(op.f('ix_person_community_id'), 'person', ['community_id'], unique=False)
    op.create_index('uq_person_identity', 'person', ['community_id', 'name', sa.literal_column("coalesce(phone, '')")], unique=True)
    op.create_geospatial_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('story', sa.Text(), nullable=True),
    sa.Column('opening_hours', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('contact', sa.String(length=100), nullable=True),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('memorial', 'former_residence', 'education_base', 'culture_street', 'service_center', 'mediation_room', 'rider_home', 'love_supermarket', 'women_home')", name=op.f('ck_site_kind')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_site_community_id_community'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site')),
    sa.UniqueConstraint('community_id', 'code', name='uq_site_code')
    )
    op.create_geospatial_index('idx_site_geom', 'site', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_site_community_id'), 'site', ['community_id'], unique=False)
    op.create_geospatial_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('natural_key', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('source_file', sa.String(length=400), nullable=True),
    sa.Column('source_feature', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('street', 'lane', 'shop', 'building', 'grid')", name=op.f('ck_unit_kind')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_unit_community_id_community'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['unit.id'], name=op.f('fk_unit_parent_id_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('community_id', 'kind', 'natural_key', name='uq_unit_natural_key')
    )
    op.create_geospatial_index('idx_unit_geom', 'unit', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_unit_community_id'), 'unit', ['community_id'], unique=False)
    op.create_index(op.f('ix_unit_parent_id'), 'unit', ['parent_id'], unique=False)
    op.create_table('responsibility',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('street_chief', 'lane_chief', 'shop_chief', 'building_chief', 'grid_worker')", name=op.f('ck_responsibility_role')),
    sa.CheckConstraint('until IS NULL OR until > since', name=op.f('ck_responsibility_period')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_responsibility_community_id_community'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_responsibility_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_responsibility_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responsibility')),
    sa.UniqueConstraint('unit_id', 'person_id', 'role', 'since', name='uq_responsibility_period')
    )
    op.create_index(op.f('ix_responsibility_community_id'), 'responsibility', ['community_id'], unique=False)
    op.create_index(op.f('ix_responsibility_person_id'), 'responsibility', ['person_id'], unique=False)
    op.create_index(op.f('ix_responsibility_unit_id'), 'responsibility', ['unit_id'], unique=False)
    op.create_table('site_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('attendees >= 0', name=op.f('ck_site_activity_attendees')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_site_activity_community_id_community'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_site_activity_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_activity')),
    sa.UniqueConstraint('site_id', 'date', 'title', name='uq_site_activity')
    )
    op.create_index(op.f('ix_site_activity_community_id'), 'site_activity', ['community_id'], unique=False)
    op.create_index(op.f('ix_site_activity_site_id'), 'site_activity', ['site_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_site_activity_site_id'), table_name='site_activity')
    op.drop_index(op.f('ix_site_activity_community_id'), table_name='site_activity')
    op.drop_table('site_activity')
    op.drop_index(op.f('ix_responsibility_unit_id'), table_name='responsibility')
    op.drop_index(op.f('ix_responsibility_person_id'), table_name='responsibility')
    op.drop_index(op.f('ix_responsibility_community_id'), table_name='responsibility')
    op.drop_table('responsibility')
    op.drop_index(op.f('ix_unit_parent_id'), table_name='unit')
    op.drop_index(op.f('ix_unit_community_id'), table_name='unit')
    op.drop_geospatial_index('idx_unit_geom', table_name='unit', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('unit')
    op.drop_index(op.f('ix_site_community_id'), table_name='site')
    op.drop_geospatial_index('idx_site_geom', table_name='site', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('site')
    op.drop_index('uq_person_identity', table_name='person')
    op.drop_index(op.f('ix_person_community_id'), table_name='person')
    op.drop_table('person')
    op.drop_geospatial_index('idx_community_boundary', table_name='community', postgresql_using='gist', column_name='boundary')
    op.drop_geospatial_table('community')
