//! `POST /v1/chat`: the whole answer, `{"id", "content", "model", "tokens_used", "finish_reason"}`. With
//! `"stream": true` it answers as `/v1/chat/stream`.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::ChatBody;
use crate::ApiError;
use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::metered::Reply;
use ares_llm::wire::openai::finish_reason_to_wire;

pub(crate) async fn handle(client: Client, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let body = parse_json::<ChatBody>(&body)?;
    let streamed = body.stream;
    let chat = client.api.chat.prepare(client.tenant_id, body.input()?).await?;
    if streamed {
        return client.stream(&chat, super::stream::render).await;
    }
    let (chat, service) = (&chat, &client.api.chat);
    client
        .respond(chat.reserve, chat.record(), |budget| async move {
            let routed = match service.complete(chat, &budget).await {
                Ok(routed) => routed,
                Err(err) => return Ok(Reply::route_failed(chat, err)),
            };
            let answer = &routed.value;
            let view = json!({
                "id": uuid::Uuid::new_v4().to_string(),
                "content": answer.response.text,
                "model": routed.model,
                "tokens_used": answer.usage.total(),
                "finish_reason": finish_reason_to_wire(&answer.response.finish_reason),
            });
            Ok(Reply::ok(&view).recording(chat.answered(&routed)))
        })
        .await
}
