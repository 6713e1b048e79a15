//! `POST /v1/chat`: the whole answer, `{"id", "content", "model", "tokens_used", "finish_reason"}`. With
//! `"stream": true` it answers as `/v1/chat/stream`.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Outcome;
use serde_json::json;

use super::ChatBody;
use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::metered::{admit, answer};
use crate::views::finish_reason;
use crate::{ApiError, AppState};

pub(crate) async fn handle(
    state: web::Data<AppState>,
    Client(client): Client,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body = parse_json::<ChatBody>(&body)?;
    let streamed = body.stream;
    let prepared = state.chat.prepare(client.tenant_id, body.input()?).await?;
    if streamed {
        return super::stream::respond(state, client, prepared, "POST /v1/chat").await;
    }
    let admitted = admit(&state, &client, "POST /v1/chat", prepared.reserve).await?;
    let mut outcome = Outcome {
        agent: prepared.agent.as_ref().map(|a| a.name.to_string()),
        model: Some(prepared.request.model.clone()),
        ..Outcome::default()
    };
    let result = match state.chat.complete(&prepared).await {
        Ok(routed) => {
            let usage = routed.value.usage;
            outcome.model = Some(routed.model.clone());
            outcome.provider = Some(routed.provider.to_string());
            (outcome.tokens_in, outcome.tokens_out, outcome.estimated) =
                (usage.prompt_tokens, usage.completion_tokens, usage.estimated);
            Ok(HttpResponse::Ok().json(json!({
                "id": uuid::Uuid::new_v4().to_string(),
                "content": routed.value.response.text,
                "model": routed.model,
                "tokens_used": usage.total(),
                "finish_reason": finish_reason(&routed.value.response.finish_reason),
            })))
        }
        Err(err) => Err(err.into()),
    };
    answer(admitted, outcome, result).await
}
