//! The wire types against JSON as OpenAI and its SDK write it.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::*;

/// Parses `json` as `T`, checks that writing it back and reading that again gives the same value, and returns it
/// with what it writes.
fn round_trip<T>(json: &Value) -> (T, Value)
where
    T: DeserializeOwned + Serialize + PartialEq + fmt::Debug,
{
    let parsed: T = serde_json::from_value(json.clone()).unwrap();
    let written = serde_json::to_value(&parsed).unwrap();
    assert_eq!(serde_json::from_value::<T>(written.clone()).unwrap(), parsed);
    (parsed, written)
}

fn every_field_request() -> Value {
    json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "developer", "content": "Be terse."},
            {"role": "system", "content": [{"type": "text", "text": "Answer in English."}], "name": "rules"},
            {"role": "user", "content": [{"type": "text", "text": "What is"}, {"type": "text", "text": "2+2?"}],
             "name": "ann"},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_abc", "type": "function",
                 "function": {"name": "calculator", "arguments": "{\"expression\":\"2+2\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_abc", "content": "4"},
            {"role": "assistant", "content": "It is 4."}
        ],
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 100,
        "max_completion_tokens": 120,
        "stop": ["\n\n", "END"],
        "n": 1,
        "user": "user-1234",
        "response_format": {"type": "json_schema", "json_schema": {
            "name": "answer", "strict": true,
            "schema": {"type": "object", "properties": {"value": {"type": "integer"}}, "required": ["value"]}
        }},
        "seed": 42,
        "tools": [{"type": "function", "function": {
            "name": "calculator", "description": "Evaluates arithmetic", "strict": false,
            "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}}
        }}],
        "tool_choice": {"type": "function", "function": {"name": "calculator"}},
        "parallel_tool_calls": false,
        "stream": true,
        "stream_options": {"include_usage": true}
    })
}

#[test]
fn a_request_with_every_field_round_trips_and_unknown_fields_are_ignored() {
    let mut sent = every_field_request();
    sent["logit_bias"] = json!({"50256": -100});
    sent["frequency_penalty"] = json!(0.0);
    let (request, written) = round_trip::<ChatCompletionRequest>(&sent);
    assert_eq!(written, every_field_request());
    assert_eq!(request.tool_choice, Some(ToolChoiceOption::from(&ToolChoice::Function("calculator".into()))));
    assert_eq!(request.stop_sequences(), ["\n\n", "END"]);
    assert_eq!(request.max_output_tokens(), Some(120));
    assert!(request.is_stream() && request.include_usage());
    assert_eq!(request.messages[2].text().unwrap(), "What is\n2+2?");
    assert_eq!(request.messages[3].text().unwrap(), "");
    let MessageParam::Assistant { tool_calls, .. } = &request.messages[3] else { panic!("{:?}", request.messages[3]) };
    assert_eq!(
        ToolCall::from(tool_calls[0].clone()),
        ToolCall { id: "call_abc".into(), name: "calculator".into(), arguments: "{\"expression\":\"2+2\"}".into() }
    );
}

#[test]
fn a_minimal_request_writes_only_what_it_has() {
    let sent = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    let (request, written) = round_trip::<ChatCompletionRequest>(&sent);
    assert_eq!(written, sent);
    assert!(!request.is_stream() && !request.include_usage());
    assert_eq!((request.max_output_tokens(), request.stop_sequences()), (None, vec![]));
}

#[test]
fn nulls_from_loose_clients_read_as_absent() {
    let sent = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": null,
                      "stop": null, "tools": null, "tool_choice": null, "stream": null});
    let request: ChatCompletionRequest = serde_json::from_value(sent).unwrap();
    assert_eq!(
        request,
        ChatCompletionRequest { messages: request.messages.clone(), model: "m".into(), ..Default::default() }
    );
}

#[test]
fn a_single_stop_string_is_one_sequence() {
    let request: ChatCompletionRequest =
        serde_json::from_value(json!({"model": "m", "messages": [], "stop": "END"})).unwrap();
    assert_eq!(request.stop_sequences(), ["END"]);
}

#[test]
fn tool_choice_takes_every_form() {
    for (wire, port) in [
        (json!("none"), ToolChoice::None),
        (json!("auto"), ToolChoice::Auto),
        (json!("required"), ToolChoice::Required),
        (json!({"type": "function", "function": {"name": "f"}}), ToolChoice::Function("f".into())),
    ] {
        let (option, written) = round_trip::<ToolChoiceOption>(&wire);
        assert_eq!(written, wire);
        assert_eq!(ToolChoice::from(option), port);
        assert_eq!(serde_json::to_value(ToolChoiceOption::from(&port)).unwrap(), wire);
    }
    assert!(serde_json::from_value::<ToolChoiceOption>(json!("sometimes")).is_err());
}

#[test]
fn response_format_takes_every_form() {
    let schema = json!({"name": "answer", "schema": {"type": "object"}});
    for (wire, port) in [
        (json!({"type": "text"}), ResponseFormat::Text),
        (json!({"type": "json_object"}), ResponseFormat::JsonObject),
        (json!({"type": "json_schema", "json_schema": schema}), ResponseFormat::JsonSchema(schema.clone())),
    ] {
        let (format, written) = round_trip::<ResponseFormatParam>(&wire);
        assert_eq!(written, wire);
        assert_eq!(ResponseFormat::from(format), port);
        assert_eq!(serde_json::to_value(ResponseFormatParam::from(&port)).unwrap(), wire);
    }
}

#[test]
fn parts_other_than_text_are_kept_and_refused_by_type() {
    let sent = json!({"role": "user", "content": [
        {"type": "text", "text": "What is in this image?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}}
    ]});
    let (message, written) = round_trip::<MessageParam>(&sent);
    assert_eq!(written, sent);
    let err = message.text().unwrap_err();
    assert_eq!(err, UnsupportedContent { part_type: "image_url".into() });
    assert_eq!(err.to_string(), "content parts of type 'image_url' are not supported; only 'text' parts are");
}

#[test]
fn malformed_messages_fail_with_a_reason() {
    let unknown_role = serde_json::from_value::<MessageParam>(json!({"role": "narrator", "content": "x"}));
    assert!(unknown_role.unwrap_err().to_string().contains("unknown variant `narrator`"));
    let textless = serde_json::from_value::<ContentPart>(json!({"type": "text"}));
    assert!(textless.unwrap_err().to_string().contains("needs a string `text`"));
}

fn tool_call_completion() -> Value {
    json!({
        "id": "chatcmpl-abc123",
        "object": "chat.completion",
        "created": 1_699_896_916,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": null,
                "tool_calls": [{"id": "call_abc123", "type": "function", "function": {
                    "name": "get_current_weather", "arguments": "{\n\"location\": \"Boston, MA\"\n}"
                }}],
                "refusal": null,
                "annotations": []
            },
            "logprobs": null,
            "finish_reason": "tool_calls"
        }],
        "usage": {
            "prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}
        },
        "service_tier": "default",
        "system_fingerprint": "fp_44709d6fcb"
    })
}

#[test]
fn a_tool_call_completion_round_trips() {
    let (completion, written) = round_trip::<ChatCompletion>(&tool_call_completion());
    assert_eq!(
        written,
        json!({
            "id": "chatcmpl-abc123", "object": "chat.completion", "created": 1_699_896_916,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "logprobs": null, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null,
                "tool_calls": [{"id": "call_abc123", "type": "function", "function": {
                    "name": "get_current_weather", "arguments": "{\n\"location\": \"Boston, MA\"\n}"
                }}]
            }}],
            "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99},
            "system_fingerprint": "fp_44709d6fcb"
        })
    );
    let choice = &completion.choices[0];
    assert_eq!(finish_reason_from_wire(choice.finish_reason.as_deref().unwrap()), FinishReason::ToolCalls);
    assert_eq!(
        Usage::from(completion.usage.unwrap()),
        Usage { prompt_tokens: 82, completion_tokens: 17, estimated: false }
    );
}

#[test]
fn a_text_answer_writes_its_content_and_no_tool_calls() {
    let completion = ChatCompletion {
        id: "chatcmpl-1".into(),
        created: 1,
        model: "m".into(),
        choices: vec![Choice {
            index: 0,
            message: ResponseMessage { content: Some("Hi".into()), ..ResponseMessage::default() },
            finish_reason: Some(finish_reason_to_wire(&FinishReason::Stop).into()),
            logprobs: None,
        }],
        usage: Some(Usage { prompt_tokens: 3, completion_tokens: 1, estimated: true }.into()),
        ..ChatCompletion::default()
    };
    assert_eq!(
        serde_json::to_value(&completion).unwrap(),
        json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
               "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"},
                            "finish_reason": "stop", "logprobs": null}],
               "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}})
    );
}

#[test]
fn loose_answers_are_read_leniently() {
    let answer = json!({"choices": [{"message": {"content": null, "tool_calls": [
        {"function": {"name": "f", "arguments": {"a": 1}}}, {"function": {"name": "g"}}
    ]}}], "usage": {"completion_tokens": 2}});
    let completion: ChatCompletion = serde_json::from_value(answer).unwrap();
    assert_eq!(completion.usage, None, "a usage without prompt tokens is no usage");
    let calls = &completion.choices[0].message.tool_calls;
    assert_eq!((calls[0].function.arguments.as_str(), calls[1].function.arguments.as_str()), ("{\"a\":1}", "{}"));
    assert_eq!(calls[0].id, "");
}

const STREAM: [&str; 5] = [
    r#"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1726000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}"#,
    r#"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1726000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}"#,
    r#"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1726000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_D","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}"#,
    r#"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1726000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"#,
    r#"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1726000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":0}}}"#,
];

fn chunk(raw: &str) -> (ChatCompletionChunk, Value) {
    round_trip(&serde_json::from_str(raw).unwrap())
}

#[test]
fn stream_chunks_round_trip_with_null_usage_left_out() {
    let (first, written) = chunk(STREAM[0]);
    assert_eq!(
        written,
        json!({"id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1_726_000_000,
               "model": "gpt-4o-mini", "system_fingerprint": "fp_1",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                            "logprobs": null, "finish_reason": null}]})
    );
    assert_eq!(first.usage, None);
    let (text, _) = chunk(STREAM[1]);
    assert_eq!(text.choices[0].delta.content.as_deref(), Some("Hello"));
    let (finish, _) = chunk(STREAM[3]);
    assert_eq!(finish.choices[0].delta, ChunkDelta::default());
    assert_eq!(finish.choices[0].finish_reason.as_deref(), Some("stop"));
}

#[test]
fn a_tool_call_chunk_carries_the_fragment() {
    let (call, written) = chunk(STREAM[2]);
    assert_eq!(
        call.choices[0].delta.tool_calls,
        [ToolCallDelta {
            index: 0,
            id: Some("call_D".into()),
            kind: Some(FunctionType),
            function: FunctionCallDelta { name: Some("get_weather".into()), arguments: Some(String::new()) },
        }]
    );
    assert_eq!(
        written["choices"][0]["delta"],
        json!({"role": "assistant", "tool_calls": [
            {"index": 0, "id": "call_D", "type": "function", "function": {"name": "get_weather", "arguments": ""}}
        ]})
    );
}

#[test]
fn the_usage_only_chunk_has_no_choices() {
    let (usage, written) = chunk(STREAM[4]);
    assert!(usage.choices.is_empty());
    assert_eq!(usage.usage, Some(CompletionUsage { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 }));
    assert_eq!(written["choices"], json!([]));
    assert_eq!(written["usage"], json!({"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10}));
}

#[test]
fn sparse_chunks_from_other_upstreams_parse() {
    let chunk: ChatCompletionChunk =
        serde_json::from_str(r#"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"{}"}}]}}]}"#).unwrap();
    assert_eq!(chunk.choices[0].delta.tool_calls[0].function.arguments.as_deref(), Some("{}"));
    let chunk: ChatCompletionChunk = serde_json::from_str(r#"{"choices":null,"usage":{"weird":true}}"#).unwrap();
    assert_eq!((chunk.choices.len(), chunk.usage), (0, None));
}

#[test]
fn the_error_body_round_trips_with_null_param_and_code() {
    let body = json!({"error": {
        "message": "Incorrect API key provided: sk-abc. You can find your API key at https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error", "param": null, "code": "invalid_api_key"
    }});
    let (error, written) = round_trip::<ErrorBody>(&body);
    assert_eq!(written, body);
    assert_eq!(error.error.code.as_deref(), Some("invalid_api_key"));
    assert_eq!(
        serde_json::to_value(ErrorBody::new("no such model", "invalid_request_error")).unwrap(),
        json!({"error": {"message": "no such model", "type": "invalid_request_error", "param": null, "code": null}})
    );
    let numeric: ErrorBody = serde_json::from_value(json!({"error": {"message": "x", "code": 429}})).unwrap();
    assert_eq!(numeric.error.code.as_deref(), Some("429"));
}

#[test]
fn the_model_list_round_trips() {
    let body = json!({"object": "list", "data": [
        {"id": "gpt-4o", "object": "model", "created": 1_715_367_049, "owned_by": "system"}
    ]});
    let (list, written) = round_trip::<ModelList>(&body);
    assert_eq!(written, body);
    assert_eq!(list.data[0].id, "gpt-4o");
}

#[test]
fn embeddings_round_trip() {
    let request =
        json!({"model": "text-embedding-3-small", "input": "The food was delicious", "encoding_format": "float"});
    let (parsed, written) = round_trip::<EmbeddingRequest>(&request);
    assert_eq!(written, request);
    assert_eq!(parsed.input.texts(), Some(vec!["The food was delicious".to_owned()]));
    let tokens: EmbeddingRequest = serde_json::from_value(json!({"model": "m", "input": [[1, 2], [3]]})).unwrap();
    assert_eq!(tokens.input.texts(), None);
    let response = json!({"object": "list", "model": "text-embedding-3-small",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.5, -0.25]},
                 {"object": "embedding", "index": 1, "embedding": "AAAAPw=="}],
        "usage": {"prompt_tokens": 8, "total_tokens": 8}});
    let (parsed, written) = round_trip::<EmbeddingResponse>(&response);
    assert_eq!(written, response);
    assert_eq!(parsed.data[0].embedding, EmbeddingVector::Float(vec![0.5, -0.25]));
    assert_eq!(parsed.data[1].embedding, EmbeddingVector::Base64("AAAAPw==".into()));
}

#[test]
fn finish_reasons_map_both_ways() {
    for (wire, port) in [
        ("stop", FinishReason::Stop),
        ("length", FinishReason::Length),
        ("tool_calls", FinishReason::ToolCalls),
        ("content_filter", FinishReason::Other("content_filter".into())),
    ] {
        assert_eq!(finish_reason_from_wire(wire), port);
        assert_eq!(finish_reason_to_wire(&port), wire);
    }
    assert_eq!(finish_reason_from_wire("function_call"), FinishReason::ToolCalls);
}

#[test]
fn tools_convert_both_ways() {
    let spec = ToolSpec { name: "f".into(), description: "does f".into(), parameters: json!({"type": "object"}) };
    let tool = FunctionTool::from(&spec);
    assert_eq!(
        serde_json::to_value(&tool).unwrap(),
        json!({"type": "function", "function": {"name": "f", "description": "does f", "parameters": {"type": "object"}}})
    );
    assert_eq!(ToolSpec::from(tool), spec);
    let bare: FunctionTool = serde_json::from_value(json!({"type": "function", "function": {"name": "g"}})).unwrap();
    assert_eq!(
        ToolSpec::from(bare),
        ToolSpec {
            name: "g".into(),
            description: String::new(),
            parameters: json!({"type": "object", "properties": {}})
        }
    );
}
