//! Tool loops under a token quota: each further round of a loop is reserved before it runs, so concurrent
//! tool-calling chats of a tenant a few hundred tokens from its limit never take it past the limit; the loops that
//! cannot go on end with what they have (`finish_reason` `length`).

use ares_llm::testing::{MockUpstream, Recorded, Reply};
use ares_store::Backend;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};

with_each_backend!(concurrent_tool_loops_never_pass_the_monthly_token_quota);

/// The dev tier's monthly tokens in this test.
const TOKEN_QUOTA: u64 = 600;

/// A model that calls the calculator whenever it may, and counts its prompt as ARES estimates it (four characters
/// a token of every message), so each first round fits its admission's reservation.
fn calculating_model(request: &Recorded) -> Reply {
    let messages = request.body["messages"].as_array().cloned().unwrap_or_default();
    let chars: usize = messages.iter().filter_map(|m| m["content"].as_str()).map(str::len).sum();
    let usage = json!({"prompt_tokens": chars.div_ceil(4), "completion_tokens": 10});
    let forbidden = request.body["tool_choice"] == "none";
    let message = if request.body["tools"].is_array() && !forbidden {
        let call = json!({"id": format!("call_{}", messages.len()), "type": "function",
                          "function": {"name": "calculator", "arguments": "{\"expression\": \"1 + 1\"}"}});
        json!({"role": "assistant", "content": null, "tool_calls": [call]})
    } else {
        json!({"role": "assistant", "content": "Done."})
    };
    let finish = if message["tool_calls"].is_array() { "tool_calls" } else { "stop" };
    Reply::json(200, &json!({"choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage}))
}

async fn concurrent_tool_loops_never_pass_the_monthly_token_quota(backend: Backend) {
    let model = MockUpstream::respond(calculating_model).await;
    let config = format!(
        "[[providers]]\nname = \"calc\"\ntype = \"openai\"\nbase_url = \"{}/v1\"\n\
         [[providers.models]]\nid = \"calc-model\"\nname = \"calc\"\n",
        model.url()
    );
    let quota = TOKEN_QUOTA.to_string();
    let env = [("ARES__TIERS__DEV__MONTHLY_TOKENS", quota.as_str())];
    let client = Client::start_with_env(backend, vec![Reply::json(200, &completion("x", 1, 1))], &config, &env).await;
    let (tenant, key) = client.tenant("acme-corp", "dev").await;
    let agent = json!({"model": "calc", "tools": ["calculator"], "max_tokens": 20, "max_iterations": 6});
    client.add_agent(&tenant, json!({"name": "looper", "agent_type": "looper", "config": agent})).await;

    let chat = json!({"messages": [{"role": "user", "content": "Add one and one, again and again."}],
                      "agent_type": "looper"});
    let chats = (0..8).map(|_| client.call(&key, Method::POST, "/v1/chat", Some(chat.clone())));
    let answers: Vec<(u16, Value)> = join_all(chats).await;
    let served: Vec<&Value> = answers.iter().filter(|(status, _)| *status == 200).map(|(_, body)| body).collect();
    assert!(!served.is_empty(), "{answers:?}");
    assert!(served.iter().any(|body| body["finish_reason"] == "length"), "some loops were cut short: {answers:?}");
    assert!(answers.iter().all(|(status, _)| *status == 200 || *status == 429), "{answers:?}");

    let (_, usage) = client.call(&key, Method::GET, "/v1/usage", None).await;
    let used = usage["total_tokens"].as_u64().unwrap();
    assert_eq!(usage["quota_tokens"], TOKEN_QUOTA);
    assert!(used <= TOKEN_QUOTA, "{used} tokens used of {TOKEN_QUOTA}: {answers:?}");
    let rounds = model.received().len();
    assert!(rounds > served.len(), "the loops did run further rounds ({rounds} calls)");
}
