"""Facts: units, persons, posts, tenures, links, deployments, incidents, orders, communications,
meetings, statements, measures; their citations, names and the merge record.

Revision ID: facts_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "facts_0001"
down_revision = "vault_0001"
branch_labels = ("facts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fact",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("start_date", sa.String(length=32), nullable=True),
        sa.Column("end_date", sa.String(length=32), nullable=True),
        sa.Column("first_cited", sa.String(length=32), nullable=True),
        sa.Column("last_cited", sa.String(length=32), nullable=True),
        sa.Column("lo_key", sa.String(length=19), nullable=True),
        sa.Column("hi_key", sa.String(length=19), nullable=True),
        sa.Column("confidence", sa.String(length=8), nullable=False),
        sa.Column("assumption", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["fact.id"], name=op.f("fk_fact_merged_into_fact")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact")),
        sa.UniqueConstraint("kind", "key", name=op.f("uq_fact_kind")),
    )
    op.create_index(op.f("ix_fact_kind"), "fact", ["kind"], unique=False)
    op.create_index("ix_fact_kind_key_lower", "fact", ["kind", sa.text("lower(key)")])
    op.create_index(op.f("ix_fact_merged_into"), "fact", ["merged_into"], unique=False)
    op.create_table(
        "fact_citation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fact_id", sa.Integer(), nullable=False),
        sa.Column("item_sha256", sa.String(length=64), nullable=False),
        sa.Column("locator", sa.JSON(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fact_id"], ["fact.id"], name=op.f("fk_fact_citation_fact_id_fact"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["item_sha256"], ["item.sha256"], name=op.f("fk_fact_citation_item_sha256_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_citation")),
    )
    op.create_index(op.f("ix_fact_citation_fact_id"), "fact_citation", ["fact_id"], unique=False)
    op.create_index(
        op.f("ix_fact_citation_item_sha256"), "fact_citation", ["item_sha256"], unique=False
    )
    op.create_table(
        "fact_incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_kind", sa.String(length=24), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("uncertainty_m", sa.Float(), nullable=True),
        sa.Column("killed", sa.Integer(), nullable=True),
        sa.Column("injured", sa.Integer(), nullable=True),
        sa.Column("detained", sa.Integer(), nullable=True),
        sa.Column("weapons", sa.JSON(), nullable=False),
        sa.Column("ammunition", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_incident_id_fact")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_incident")),
    )
    op.create_table(
        "fact_merge",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kept_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("undone_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["kept_id"], ["fact.id"], name=op.f("fk_fact_merge_kept_id_fact")),
        sa.ForeignKeyConstraint(
            ["merged_id"], ["fact.id"], name=op.f("fk_fact_merge_merged_id_fact")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_merge")),
    )
    op.create_index(op.f("ix_fact_merge_kept_id"), "fact_merge", ["kept_id"], unique=False)
    op.create_index(op.f("ix_fact_merge_merged_id"), "fact_merge", ["merged_id"], unique=False)
    op.create_table(
        "fact_name",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fact_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.Column("is_alias", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fact_id"], ["fact.id"], name=op.f("fk_fact_name_fact_id_fact"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_name")),
    )
    op.create_index(op.f("ix_fact_name_fact_id"), "fact_name", ["fact_id"], unique=False)
    op.create_index("ix_fact_name_folded", "fact_name", ["folded"], unique=False)
    op.create_table(
        "fact_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_person_id_fact")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_person")),
    )
    op.create_table(
        "fact_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("force", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=64), nullable=True),
        sa.Column("classification", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_unit_id_fact")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_unit")),
    )
    op.create_table(
        "fact_attribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_attribution_id_fact")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["fact_incident.id"],
            name=op.f("fk_fact_attribution_incident_id_fact_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["fact_person.id"],
            name=op.f("fk_fact_attribution_person_id_fact_person"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["fact_unit.id"], name=op.f("fk_fact_attribution_unit_id_fact_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_attribution")),
    )
    op.create_index(
        op.f("ix_fact_attribution_incident_id"), "fact_attribution", ["incident_id"], unique=False
    )
    op.create_index(
        op.f("ix_fact_attribution_person_id"), "fact_attribution", ["person_id"], unique=False
    )
    op.create_index(
        op.f("ix_fact_attribution_unit_id"), "fact_attribution", ["unit_id"], unique=False
    )
    op.create_table(
        "fact_communication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("communication_kind", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_communication_id_fact")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["fact_incident.id"],
            name=op.f("fk_fact_communication_incident_id_fact_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_communication")),
    )
    op.create_index(
        op.f("ix_fact_communication_incident_id"),
        "fact_communication",
        ["incident_id"],
        unique=False,
    )
    op.create_table(
        "fact_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_kind", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_measure_id_fact")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["fact_incident.id"],
            name=op.f("fk_fact_measure_incident_id_fact_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_measure")),
    )
    op.create_index(
        op.f("ix_fact_measure_incident_id"), "fact_measure", ["incident_id"], unique=False
    )
    op.create_table(
        "fact_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_meeting_id_fact")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["fact_incident.id"],
            name=op.f("fk_fact_meeting_incident_id_fact_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_meeting")),
    )
    op.create_index(
        op.f("ix_fact_meeting_incident_id"), "fact_meeting", ["incident_id"], unique=False
    )
    op.create_table(
        "fact_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("head", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_post_id_fact")),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["fact_unit.id"], name=op.f("fk_fact_post_unit_id_fact_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_post")),
    )
    op.create_index(op.f("ix_fact_post_unit_id"), "fact_post", ["unit_id"], unique=False)
    op.create_table(
        "fact_rank",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_rank_id_fact")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["fact_person.id"], name=op.f("fk_fact_rank_person_id_fact_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_rank")),
    )
    op.create_index(op.f("ix_fact_rank_person_id"), "fact_rank", ["person_id"], unique=False)
    op.create_table(
        "fact_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_kind", sa.String(length=24), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_statement_id_fact")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["fact_incident.id"],
            name=op.f("fk_fact_statement_incident_id_fact_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_statement")),
    )
    op.create_index(
        op.f("ix_fact_statement_incident_id"), "fact_statement", ["incident_id"], unique=False
    )
    op.create_table(
        "fact_unit_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["fact_unit.id"], name=op.f("fk_fact_unit_link_child_id_fact_unit")
        ),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_unit_link_id_fact")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["fact_unit.id"], name=op.f("fk_fact_unit_link_parent_id_fact_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_unit_link")),
    )
    op.create_index(
        op.f("ix_fact_unit_link_child_id"), "fact_unit_link", ["child_id"], unique=False
    )
    op.create_index(
        op.f("ix_fact_unit_link_parent_id"), "fact_unit_link", ["parent_id"], unique=False
    )
    op.create_table(
        "fact_victim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.Text(), nullable=False),
        sa.Column("harm", sa.String(length=16), nullable=False),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("gender", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_victim_id_fact")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["fact_incident.id"],
            name=op.f("fk_fact_victim_incident_id_fact_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_victim")),
    )
    op.create_index(
        op.f("ix_fact_victim_incident_id"), "fact_victim", ["incident_id"], unique=False
    )
    op.create_table(
        "fact_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("order_kind", sa.String(length=16), nullable=False),
        sa.Column("issued_by_post_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_person_id", sa.Integer(), nullable=True),
        sa.Column("firearms_authorised", sa.Boolean(), nullable=True),
        sa.Column("lethal_force_conditions", sa.Text(), nullable=True),
        sa.Column("who_may_order_fire", sa.Text(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=True),
        sa.Column("renews_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_order_id_fact")),
        sa.ForeignKeyConstraint(
            ["issued_by_person_id"],
            ["fact_person.id"],
            name=op.f("fk_fact_order_issued_by_person_id_fact_person"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_post_id"],
            ["fact_post.id"],
            name=op.f("fk_fact_order_issued_by_post_id_fact_post"),
        ),
        sa.ForeignKeyConstraint(
            ["renews_id"], ["fact_order.id"], name=op.f("fk_fact_order_renews_id_fact_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_order")),
    )
    op.create_index(
        op.f("ix_fact_order_issued_by_person_id"),
        "fact_order",
        ["issued_by_person_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_fact_order_issued_by_post_id"), "fact_order", ["issued_by_post_id"], unique=False
    )
    op.create_table(
        "fact_party",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fact_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fact_id"], ["fact.id"], name=op.f("fk_fact_party_fact_id_fact"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["fact_person.id"], name=op.f("fk_fact_party_person_id_fact_person")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["fact_post.id"], name=op.f("fk_fact_party_post_id_fact_post")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["fact_unit.id"], name=op.f("fk_fact_party_unit_id_fact_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_party")),
    )
    op.create_index(op.f("ix_fact_party_fact_id"), "fact_party", ["fact_id"], unique=False)
    op.create_index(op.f("ix_fact_party_person_id"), "fact_party", ["person_id"], unique=False)
    op.create_index(op.f("ix_fact_party_post_id"), "fact_party", ["post_id"], unique=False)
    op.create_index(op.f("ix_fact_party_unit_id"), "fact_party", ["unit_id"], unique=False)
    op.create_table(
        "fact_tenure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_tenure_id_fact")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["fact_person.id"], name=op.f("fk_fact_tenure_person_id_fact_person")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["fact_post.id"], name=op.f("fk_fact_tenure_post_id_fact_post")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_tenure")),
    )
    op.create_index(op.f("ix_fact_tenure_person_id"), "fact_tenure", ["person_id"], unique=False)
    op.create_index(op.f("ix_fact_tenure_post_id"), "fact_tenure", ["post_id"], unique=False)
    op.create_table(
        "fact_victim_identity",
        sa.Column("victim_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["victim_id"],
            ["fact_victim.id"],
            name=op.f("fk_fact_victim_identity_victim_id_fact_victim"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("victim_id", name=op.f("pk_fact_victim_identity")),
    )
    op.create_table(
        "fact_deployment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("place_folded", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("uncertainty_m", sa.Float(), nullable=True),
        sa.Column("area", sa.JSON(), nullable=True),
        sa.Column("operation", sa.Text(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["fact.id"], name=op.f("fk_fact_deployment_id_fact")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["fact_order.id"], name=op.f("fk_fact_deployment_plan_id_fact_order")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["fact_unit.id"], name=op.f("fk_fact_deployment_unit_id_fact_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_deployment")),
    )
    op.create_index(
        op.f("ix_fact_deployment_place_folded"), "fact_deployment", ["place_folded"], unique=False
    )
    op.create_index(
        op.f("ix_fact_deployment_unit_id"), "fact_deployment", ["unit_id"], unique=False
    )
    op.create_table(
        "fact_order_unit",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["fact_order.id"],
            name=op.f("fk_fact_order_unit_order_id_fact_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["fact_unit.id"], name=op.f("fk_fact_order_unit_unit_id_fact_unit")
        ),
        sa.PrimaryKeyConstraint("order_id", "unit_id", name=op.f("pk_fact_order_unit")),
    )
    op.create_index(
        op.f("ix_fact_order_unit_unit_id"), "fact_order_unit", ["unit_id"], unique=False
    )


def downgrade() -> None:
    for table in (
        "fact_order_unit",
        "fact_deployment",
        "fact_victim_identity",
        "fact_tenure",
        "fact_party",
        "fact_order",
        "fact_victim",
        "fact_unit_link",
        "fact_statement",
        "fact_rank",
        "fact_post",
        "fact_meeting",
        "fact_measure",
        "fact_communication",
        "fact_attribution",
        "fact_unit",
        "fact_person",
        "fact_name",
        "fact_merge",
        "fact_incident",
        "fact_citation",
        "fact",
    ):
        op.drop_table(table)
