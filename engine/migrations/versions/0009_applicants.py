"""Applicants: portal accounts (pseudonyms) and their cases, FIT-Connect submissions, online fee payments.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 06:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_accounts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('assurance', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_accounts')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_portal_accounts_issuer_subject'))
    )
    op.create_table('fitconnect_submissions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('authority_id', sa.String(length=36), nullable=False),
    sa.Column('destination_id', sa.String(length=36), nullable=False),
    sa.Column('submission_id', sa.String(length=36), nullable=False),
    sa.Column('fit_case_id', sa.String(length=36), nullable=False),
    sa.Column('service_identifier', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=True),
    sa.Column('data_tag', sa.String(length=100), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['authority_id'], ['engine_authorities.id'], name=op.f('fk_fitconnect_submissions_authority_id_engine_authorities')),
    sa.ForeignKeyConstraint(['case_id'], ['engine_cases.id'], name=op.f('fk_fitconnect_submissions_case_id_engine_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fitconnect_submissions')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_fitconnect_submissions_submission_id'))
    )
    with op.batch_alter_table('fitconnect_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fitconnect_submissions_authority_id'), ['authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fitconnect_submissions_data_tag'), ['data_tag'], unique=False)

    op.create_table('payment_requests',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('authority_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('kassenzeichen', sa.String(length=40), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('provider_payment_id', sa.String(length=100), nullable=True),
    sa.Column('payment_method', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('proof_dokument_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['authority_id'], ['engine_authorities.id'], name=op.f('fk_payment_requests_authority_id_engine_authorities')),
    sa.ForeignKeyConstraint(['case_id'], ['engine_cases.id'], name=op.f('fk_payment_requests_case_id_engine_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_requests')),
    sa.UniqueConstraint('authority_id', 'kassenzeichen', name=op.f('uq_payment_requests_authority_id_kassenzeichen')),
    sa.UniqueConstraint('provider_payment_id', name=op.f('uq_payment_requests_provider_payment_id'))
    )
    with op.batch_alter_table('payment_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_requests_case_id'), ['case_id'], unique=False)

    op.create_table('portal_case_links',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('authority_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['portal_accounts.id'], name=op.f('fk_portal_case_links_account_id_portal_accounts')),
    sa.ForeignKeyConstraint(['authority_id'], ['engine_authorities.id'], name=op.f('fk_portal_case_links_authority_id_engine_authorities')),
    sa.ForeignKeyConstraint(['case_id'], ['engine_cases.id'], name=op.f('fk_portal_case_links_case_id_engine_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_case_links')),
    sa.UniqueConstraint('case_id', 'account_id', name=op.f('uq_portal_case_links_case_id_account_id'))
    )
    with op.batch_alter_table('portal_case_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_case_links_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_case_links_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('portal_case_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_case_links_case_id'))
        batch_op.drop_index(batch_op.f('ix_portal_case_links_account_id'))

    op.drop_table('portal_case_links')
    with op.batch_alter_table('payment_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_requests_case_id'))

    op.drop_table('payment_requests')
    with op.batch_alter_table('fitconnect_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fitconnect_submissions_data_tag'))
        batch_op.drop_index(batch_op.f('ix_fitconnect_submissions_authority_id'))

    op.drop_table('fitconnect_submissions')
    op.drop_table('portal_accounts')
