"""REST resource: messages to cases (correlated by business key or process variable)."""

from processes import intake
from web.api.blueprint import Blueprint
from web.api.schemas.background import MessageResultSchema, MessageSendSchema
from web.auth import api_auth, current_user
from web.database import get_session
from web.engine_context import document_store, engine_context

blp = Blueprint("messages", __name__, url_prefix="/api/v1/messages", description="Send messages to cases")


@blp.route("", methods=["POST"])
@api_auth("clerk", "supervisor")
@blp.arguments(MessageSendSchema)
@blp.response(202, MessageResultSchema)
@blp.alt_response(404, description="No case matches the correlation and no process starts with the message")
@blp.alt_response(422, description="Invalid message, or a document that is not acceptable (named in the message)")
def send(body):
    """Deliver a message to the waiting case, keep it until the case waits, or start a case with it.

    Documents sent with the message are filed into the case's file at once (incoming).
    """
    documents = [intake.IncomingDocument(d["content"], d["filename"], d["title"], d["doc_type"])
                 for d in body["documents"]]
    return intake.send_message(get_session(), engine_context(), document_store(), current_user(), body["name"],
                               body["correlation"], body["data"], documents)
