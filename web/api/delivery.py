"""REST resource: digital delivery of notices by download link (§ 41(2a) VwVfG).

Clerks make a notice available and list the deliveries of a document; the
recipient downloads it with the link, without an account or API token.
"""

from urllib.parse import quote

from flask import Response, current_app, request, stream_with_context, url_for

from eakte import dokumente, zustellung
from web.api.blueprint import Blueprint
from web.api.schemas.delivery import DeliveryCreatedSchema, DeliveryCreateSchema, DeliverySchema
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import document_store, engine_context
from web.security_headers import document_download_headers

blp = Blueprint("delivery", __name__, url_prefix="/api/v1", description="Digital delivery of notices")


@blp.route("/documents/<document_id>/deliveries", methods=["POST"])
@api_auth("clerk", "supervisor")
@blp.arguments(DeliveryCreateSchema)
@blp.response(201, DeliveryCreatedSchema)
def make_available(body, document_id):
    """Make an outgoing notice (Bescheid, Urkunde) available for download; the link is shown only once."""
    user = current_user()
    session = get_session()
    version = dokumente.get_version(session, user.authority_id, document_id, body.get("version"))
    delivery, token = zustellung.make_available(
        session, version, recipient=body["recipient"], ttl_days=body["ttl_days"], now=engine_context().clock(),
        actor=user.username,
    )
    delivery.token = token
    delivery.download_url = url_for("delivery.download", token=token, _external=True)
    delivery.sealed = zustellung.is_sealed(version)
    return delivery


def public_download_url(token: str) -> str:
    """Return the link a recipient downloads a delivered notice with, under the configured PUBLIC_BASE_URL.

    The address applicants reach, as in the links procedures send; not the
    address the clerk's request came in on, which may be internal.
    """
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("delivery.download", token=token)


@blp.route("/documents/<document_id>/deliveries", methods=["GET"])
@api_auth()
@blp.response(200, DeliverySchema(many=True))
def list_deliveries(document_id):
    """List the deliveries of a document: made available when, first downloaded when, how often."""
    return zustellung.deliveries_of_document(get_session(), current_user().authority_id, document_id)


@blp.route("/delivery/<token>/content", methods=["GET"])
@blp.response(200, description="the notice as PDF (streamed)")
@blp.alt_response(404, description="unknown or expired link (always the same answer)")
@blp.doc(security=[])
def download(token):
    """Download a delivered notice with the link's token (no authentication; the download is recorded)."""
    _, version, stream = zustellung.download(
        get_session(), document_store(), token, now=engine_context().clock(), remote_addr=request.remote_addr,
    )
    # The download is recorded in this request's transaction, committed before the body is streamed.
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(version.filename, safe='')}",
               "X-Content-SHA256": version.sha256, "Cache-Control": "no-store",
               "Referrer-Policy": "no-referrer"}
    return document_download_headers(Response(stream_with_context(stream), mimetype=version.media_type, headers=headers))
