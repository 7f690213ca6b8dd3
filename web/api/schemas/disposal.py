"""Schemas of the disposal resource (Aussonderung with the archive)."""

from marshmallow import Schema, fields, validate


class DueFileSchema(Schema):
    """A closed file whose retention period has ended, and where it stands with the archive."""

    akte_id = fields.String()
    aktenzeichen = fields.String()
    title = fields.String()
    disposal_code = fields.String(allow_none=True, metadata={"description": "A (archive), B (appraise) or V (destroy)"})
    closed_at = fields.DateTime()
    retention_until = fields.Date()
    offer_process_id = fields.String(allow_none=True, metadata={"description": "ProzessID of the offer list (0501)"})
    archive_appraisal = fields.String(allow_none=True, metadata={"description": "the archive's decision: A or V"})
    handover_id = fields.String(allow_none=True)
    archive_confirmed = fields.Boolean()


class OfferCreateSchema(Schema):
    """Which files to offer, and to which archive."""

    aktenzeichen = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list,
                               metadata={"description": "only these files; empty: every due A/B file not yet offered"})
    archive = fields.String(load_default="Landesarchiv Mecklenburg-Vorpommern",
                            validate=validate.Regexp(r"\S"), metadata={"description": "name of the archive"})
    sender_key = fields.String(load_default=None, allow_none=True,
                               metadata={"description": "Behördenschlüssel of the authority"})


class OfferSchema(Schema):
    """A recorded offer list with its xdomea 0501 message."""

    process_id = fields.String()
    aktenzeichen = fields.List(fields.String())
    message = fields.Function(lambda offer: offer.message_xml.decode("utf-8"),
                              metadata={"description": "the Aussonderung.Anbieteverzeichnis.0501 message (XML)"})


class AppraisalSchema(Schema):
    """The decisions of an imported appraisal (0502)."""

    process_id = fields.String()
    decisions = fields.Dict(keys=fields.String(), values=fields.String(),
                            metadata={"description": "Aktenzeichen -> A (archive) or V (destroy)"})
    not_appraised = fields.List(fields.String(), metadata={"description": "offered files still waiting"})


class ImportConfirmationSchema(Schema):
    """The result of an imported import confirmation (0506)."""

    process_id = fields.String()
    aktenzeichen = fields.String()
    handover_id = fields.String()
    archive_reference = fields.String(allow_none=True, metadata={"description": "null: the import failed"})
    errors = fields.List(fields.String(), metadata={"description": "the archive's reasons for a failed import"})


class HandoverCreateSchema(Schema):
    """Which closed file to hand over, and to which archive."""

    aktenzeichen = fields.String(required=True, validate=validate.Length(min=1, max=100))
    archive = fields.String(load_default="Landesarchiv Mecklenburg-Vorpommern",
                            validate=[validate.Regexp(r"[\s\S]*\S"), validate.Length(max=200)],
                            metadata={"description": "name of the archive"})
    sender_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                               metadata={"description": "Behördenschlüssel of the authority"})
    receipt = fields.Boolean(load_default=False, metadata={"description": "also ask the archive for a receipt"})


class HandoverConfirmationSchema(Schema):
    """The archive's confirmation, recorded by hand."""

    archive_reference = fields.String(required=True, validate=[validate.Regexp(r"[\s\S]*\S"), validate.Length(max=200)],
                                      metadata={"description": "the archive's reference for the received file"})


class HandoverSchema(Schema):
    """A recorded hand-over of a file to the archive."""

    id = fields.String()
    aktenzeichen = fields.String()
    process_id = fields.String()
    package_sha256 = fields.String()
    confirmed_at = fields.DateTime(allow_none=True)
    archive_reference = fields.String(allow_none=True)


class DestructionCreateSchema(Schema):
    """Which file to destroy."""

    aktenzeichen = fields.String(required=True, validate=validate.Length(min=1, max=100))


class DestructionSchema(Schema):
    """What a destruction did."""

    aktenzeichen = fields.String()
    versions_destroyed = fields.Integer(metadata={"description": "0 when the file was destroyed before"})
    objects_deleted = fields.Integer()
    complete = fields.Boolean(metadata={"description": "false: stored objects are left; repeat the request"})
    message = fields.String(allow_none=True)
