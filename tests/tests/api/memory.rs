//! Memory: with `[memory] extract` on, a model reads each kept exchange of a user in the background; what it
//! names is listed at `GET /api/memory`, goes into the system prompt of the user's later chats, and can be
//! forgotten. Off by default: nothing is read then.

use std::time::Duration;

use ares_llm::testing::Reply;
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};
use crate::helpers::{TestApp, status_and_json};

with_each_backend!(a_users_exchanges_teach_memories_that_join_later_prompts, without_extraction_nothing_is_learned);

const LEARNED: &str = "{\"memories\": [{\"kind\": \"preference\", \"content\": \"Prefers metric units\"}, {\"kind\": \"fact\", \"content\": \"Works at Acme\"}]}";

/// Registers and signs in `email`: the access token.
async fn sign_in(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "your-secure-password", "name": "Jane"});
    let response = app.request(Method::POST, "/api/auth/register").json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let response = app.request(Method::POST, "/api/auth/login").json(&body).send().await.unwrap();
    let (_, tokens) = status_and_json(response).await;
    tokens["access_token"].as_str().unwrap().to_owned()
}

async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let request = app.request(method, path).bearer_auth(token);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    status_and_json(request.send().await.unwrap()).await
}

/// The user's memories, once the background extraction has stored `count` of them.
async fn memories(app: &TestApp, token: &str, count: usize) -> Vec<Value> {
    for _ in 0..50 {
        let (status, body) = call(app, token, Method::GET, "/api/memory", None).await;
        assert_eq!(status, 200, "{body}");
        let list = body.as_array().unwrap().clone();
        if list.len() >= count {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no memories were learned");
}

async fn a_users_exchanges_teach_memories_that_join_later_prompts(backend: Backend) {
    let replies = vec![
        Reply::json(200, &completion("Noted, Jane.", 20, 4)),
        Reply::json(200, &completion(LEARNED, 30, 20)),
        Reply::json(200, &completion("It is 21 degrees Celsius.", 20, 6)),
    ];
    let client = Client::start_with_env(backend, replies, "", &[("ARES__MEMORY__EXTRACT", "true")]).await;
    let token = sign_in(&client.app, "jane@example.com").await;
    let said = json!({"message": "I work at Acme and I like metric units.", "agent_type": "product"});
    let (status, body) = call(&client.app, &token, Method::POST, "/api/chat", Some(said)).await;
    assert_eq!(status, 200, "{body}");
    let mut learned = memories(&client.app, &token, 2).await;
    // Learned together, they were kept at the same moment: in no particular order.
    learned.sort_by_key(|m| m["content"].as_str().unwrap().to_owned());
    let kept: Vec<(&str, &str)> =
        learned.iter().map(|m| (m["kind"].as_str().unwrap(), m["content"].as_str().unwrap())).collect();
    assert_eq!(kept, [("preference", "Prefers metric units"), ("fact", "Works at Acme")]);
    assert_eq!(learned[0]["source"], body["context_id"]);
    let extraction = &client.upstream.received()[1].body;
    let read = extraction["messages"].to_string();
    assert!(read.contains("I work at Acme") && read.contains("Noted, Jane."), "{extraction}");

    let (status, _) =
        call(&client.app, &token, Method::POST, "/api/chat", Some(json!({"message": "How warm is it?"}))).await;
    assert_eq!(status, 200);
    // The chat itself, not the extraction that reads it afterwards.
    let asked = |messages: &Value| messages.as_array().and_then(|all| all.last()).map(|m| m["content"].clone());
    let received = client.upstream.received();
    let later = received.iter().find(|r| asked(&r.body["messages"]) == Some(json!("How warm is it?"))).unwrap();
    let system = &later.body["messages"][0];
    assert_eq!(system["role"], "system");
    assert!(system["content"].as_str().unwrap().contains("- (preference) Prefers metric units"), "{system}");

    let other = sign_in(&client.app, "other@example.com").await;
    let path = format!("/api/memory/{}", learned[0]["id"].as_str().unwrap());
    let (status, _) = call(&client.app, &other, Method::DELETE, &path, None).await;
    assert_eq!(status, 404, "another user's memory is not found");
    let (status, _) = call(&client.app, &token, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (_, left) = call(&client.app, &token, Method::GET, "/api/memory", None).await;
    assert_eq!(left.as_array().unwrap().len(), 1, "{left}");
    let (status, _) = call(&client.app, &token, Method::DELETE, &path, None).await;
    assert_eq!(status, 404);
}

async fn without_extraction_nothing_is_learned(backend: Backend) {
    let client = Client::start(backend, vec![Reply::json(200, &completion(LEARNED, 20, 4))], "").await;
    let token = sign_in(&client.app, "jane@example.com").await;
    let (status, _) = call(&client.app, &token, Method::POST, "/api/chat", Some(json!({"message": "Hi"}))).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, listed) = call(&client.app, &token, Method::GET, "/api/memory", None).await;
    assert_eq!(listed, json!([]));
    assert_eq!(client.upstream.received().len(), 1, "only the chat reached the model");
}
