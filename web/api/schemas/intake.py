"""Schemas of the intake endpoints (portal form in, receipt out)."""

import base64
import binascii

from marshmallow import Schema, ValidationError, fields, validate


class Base64Bytes(fields.Field):
    """Bytes sent as standard base64 text."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("send the content as a base64 string")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("the content is not valid base64") from exc


class AddressSchema(Schema):
    """A postal address."""

    street = fields.String(required=True, validate=validate.Length(min=1, max=200))
    postal_code = fields.String(required=True, validate=validate.Regexp(r"^\d{5}$", error="five digits"))
    city = fields.String(required=True, validate=validate.Length(min=1, max=120))


class ApplicantSchema(Schema):
    """The applicant (Antragsteller/in)."""

    type = fields.String(load_default="person", validate=validate.OneOf(("person", "organisation")))
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    address = fields.Nested(AddressSchema, required=True)
    email = fields.Email(load_default=None)
    phone = fields.String(load_default=None, validate=validate.Length(max=40))


class ProjectSchema(Schema):
    """The building project (Vorhaben)."""

    description = fields.String(required=True, validate=validate.Length(min=3, max=1000))
    type = fields.String(load_default=None, validate=validate.Length(max=120),
                         metadata={"description": "kind of measure, e.g. Errichtung, Änderung, Nutzungsänderung"})


class ParcelSchema(Schema):
    """The parcel (Flurstück) in the land register's terms."""

    gemarkung = fields.String(required=True, validate=validate.Length(min=1, max=120))
    flur = fields.String(required=True, validate=validate.Regexp(r"^\d{1,4}$", error="a number"))
    flurstueck = fields.String(required=True, validate=validate.Regexp(r"^\d{1,6}(/\d{1,4})?$",
                                                                       error="Zähler or Zähler/Nenner, e.g. 17/2"))
    address = fields.Nested(AddressSchema, load_default=None)


class AttachmentSchema(Schema):
    """A document sent with the form."""

    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    content = Base64Bytes(required=True, metadata={"type": "string", "format": "byte",
                                                   "description": "the file, base64-encoded"})


class PortalApplicationSchema(Schema):
    """A building application from an online form."""

    applicant = fields.Nested(ApplicantSchema, required=True)
    project = fields.Nested(ProjectSchema, required=True)
    parcel = fields.Nested(ParcelSchema, required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), load_default=list,
                              validate=validate.Length(max=100))


class ReceiptDocumentSchema(Schema):
    """A document stored at intake."""

    id = fields.String(attribute="dokument_id")
    subject = fields.Function(lambda v: v.dokument.subject)
    doc_type = fields.Function(lambda v: v.dokument.doc_type)
    version = fields.Integer()
    filename = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    findings = fields.List(fields.String())


class ReceiptSchema(Schema):
    """Confirmation of receipt, with what an XBau Eingangsbestätigung (1120/1121) carries."""

    aktenzeichen = fields.String()
    case_id = fields.Function(lambda r: r.case.id)
    channel = fields.String()
    received_at = fields.DateTime()
    message_id = fields.String(allow_none=True)
    documents = fields.List(fields.Nested(ReceiptDocumentSchema))
