"""Schemas of the online-service endpoints: FIT-Connect callbacks and submissions, payments, hospital intake."""

from marshmallow import Schema, fields, validate


class CallbackTakenSchema(Schema):
    """A callback was taken: the authority's poll runs now."""

    submissions = fields.List(fields.String(), metadata={"description": "submission ids the callback announced"})


class SubmissionSchema(Schema):
    """A submission received through FIT-Connect and what became of it."""

    submission_id = fields.String()
    destination_id = fields.String()
    fit_case_id = fields.String(metadata={"description": "the case (Vorgang) id within FIT-Connect"})
    service_identifier = fields.String(allow_none=True, metadata={"description": "LeiKa URN of the service"})
    status = fields.String(metadata={"description": "accepted or rejected"})
    problems = fields.List(fields.Dict(), metadata={"description": "why it was rejected (type, title, detail, "
                                                                   "instance)"})
    case_id = fields.String(allow_none=True)
    received_at = fields.DateTime()
    event_sent_at = fields.DateTime(allow_none=True, metadata={"description": "when the Zustelldienst took the "
                                                                              "accept or reject event"})


class SubmissionQuerySchema(Schema):
    """Filter of the submission list."""

    status = fields.String(load_default=None, validate=validate.OneOf(("accepted", "rejected")))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class NotificationResultSchema(Schema):
    """What a payment notification changed."""

    kassenzeichen = fields.String()
    status = fields.String(metadata={"description": "the fee's status now: open, pending, paid, failed, cancelled"})
    result = fields.String(metadata={"description": "paid, already_paid, failed, cancelled, pending or ignored"})


class BookingSchema(Schema):
    """A bank transfer the cashier reports for a Kassenzeichen."""

    kassenzeichen = fields.String(required=True, validate=validate.Length(min=4, max=40))
    amount_cents = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**11),
                                  metadata={"description": "the amount received, in cents"})
    booked_at = fields.AwareDateTime(load_default=None, metadata={"description": "when it was booked (default: now)"})
