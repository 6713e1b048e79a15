//! Usage analytics over HTTP: time series and breakdowns made from requests sent through the real V1 endpoints,
//! with the test clock moved across days and a month boundary, as JSON and as the CSV a spreadsheet opens.

use ares_application::ports::Clock;
use ares_llm::testing::Reply;
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};
use crate::helpers::error;

with_each_backend!(
    a_months_cost_per_tenant_and_model_comes_as_json_and_as_csv,
    a_series_is_cut_into_the_buckets_asked_for_in_the_peers_forms,
    bad_ranges_buckets_and_groupings_are_400,
);

/// A server answering every chat with 30 prompt and 12 completion tokens; the clock at midnight UTC on the last
/// day of a month, so the test can cross into the next one.
async fn server(backend: Backend) -> Client {
    let client = Client::start(backend, vec![Reply::json(200, &completion("Hi", 30, 12))], "").await;
    let now = client.app.clock.now();
    let next_month = chrono::Datelike::with_day(&now.date_naive(), 1)
        .and_then(|first| first.checked_add_months(chrono::Months::new(1)))
        .unwrap();
    let last_day = next_month.pred_opt().unwrap().and_time(chrono::NaiveTime::MIN).and_utc();
    client.app.clock.advance(last_day - now);
    client
}

async fn chat(client: &Client, key: &str, model: &str) {
    let body = json!({"message": "Hi", "model": model});
    assert_eq!(client.call(key, Method::POST, "/v1/chat", Some(body)).await.0, 200);
}

async fn get(client: &Client, path: &str) -> (u16, String, Option<String>) {
    let response = client.app.admin(Method::GET, path).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    (status, response.text().await.unwrap(), content_type)
}

async fn json_of(client: &Client, path: &str) -> Value {
    let (status, body, _) = get(client, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn a_months_cost_per_tenant_and_model_comes_as_json_and_as_csv(backend: Backend) {
    let client = server(backend).await;
    let (acme, acme_key) = client.tenant("acme-corp", "pro").await;
    let (_, globex_key) = client.tenant("globex", "pro").await;
    let month = client.app.clock_date(0)[..7].to_owned();
    chat(&client, &acme_key, "fast").await;
    chat(&client, &acme_key, "balanced").await;
    client.app.clock.advance(chrono::Duration::hours(23));
    chat(&client, &globex_key, "fast").await;
    client.app.clock.advance(chrono::Duration::hours(2));
    chat(&client, &acme_key, "fast").await; // the next month

    let first = format!("{month}-01");
    let next = client.app.clock_date(0)[..7].to_owned() + "-01";
    let path = format!("/api/admin/metrics/breakdown?from={first}&to={next}&group_by=tenant");
    let by_tenant = json_of(&client, &path).await;
    assert_eq!((&by_tenant["group_by"], &by_tenant["from"]), (&json!("tenant"), &json!(format!("{first}T00:00:00Z"))));
    let rows = by_tenant["rows"].as_array().unwrap();
    let named: Vec<(&str, u64)> =
        rows.iter().map(|r| (r["label"].as_str().unwrap(), r["requests"].as_u64().unwrap())).collect();
    assert_eq!(named, [("acme-corp", 2), ("globex", 1)], "this month only, the costliest first");
    assert_eq!(rows[0]["key"], acme);
    // llama-3.3-70b at $0.59 / $0.79 and llama-3.1-8b at $0.05 / $0.08 per million tokens.
    let acme_cost = rows[0]["cost_usd"].as_f64().unwrap();
    assert!((acme_cost - (27_180.0 + 2_460.0) * 1e-9).abs() < 1e-12, "{acme_cost}");
    assert_eq!(
        (&rows[0]["tokens_in"], &rows[0]["tokens_out"], &rows[0]["failures"]),
        (&json!(60), &json!(24), &json!(0))
    );

    let csv_path = format!("/api/admin/metrics/breakdown?from={first}&to={next}&group_by=model&format=csv");
    let (status, csv, content_type) = get(&client, &csv_path).await;
    assert_eq!((status, content_type.as_deref()), (200, Some("text/csv; charset=utf-8")));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "key,label,requests,failures,tokens_in,tokens_out,cost_usd,avg_latency_ms");
    assert!(lines[1].starts_with("llama-3.3-70b,,1,0,30,12,0.000027180,"), "{csv}");
    assert!(lines[2].starts_with("llama-3.1-8b,,2,0,60,24,0.000004920,"), "{csv}");
    assert_eq!(lines.len(), 3);

    let accepted = client.app.admin(Method::GET, &format!("/api/admin/metrics/breakdown?from={first}&to={next}"));
    let response = accepted.header("Accept", "text/csv").send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8", "Accept: text/csv asks for CSV");
    assert!(response.text().await.unwrap().contains("acme-corp"));

    let filtered = json_of(&client, &format!("{path}&model=llama-3.1-8b&tenant_id={acme}")).await;
    assert_eq!(filtered["rows"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["rows"][0]["requests"], 1);
}

async fn a_series_is_cut_into_the_buckets_asked_for_in_the_peers_forms(backend: Backend) {
    let client = server(backend).await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let start = client.app.clock.now();
    chat(&client, &key, "fast").await;
    client.app.clock.advance(chrono::Duration::minutes(7));
    chat(&client, &key, "fast").await;
    client.app.clock.advance(chrono::Duration::hours(2));
    chat(&client, &key, "balanced").await;
    let from = start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = (start + chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let series =
        |bucket: &str, group: &str| format!("/api/admin/metrics/timeseries?from={from}&to={to}&bucket={bucket}{group}");
    let counts = |body: &Value| -> Vec<u64> {
        body["points"].as_array().unwrap().iter().map(|p| p["requests"].as_u64().unwrap()).collect()
    };

    for hourly in ["hour", "hours", "h", "1h"] {
        let body = json_of(&client, &series(hourly, "")).await;
        assert_eq!(
            (counts(&body), &body["bucket"], &body["bucket_seconds"]),
            (vec![2, 1], &json!("1h"), &json!(3600)),
            "{hourly}"
        );
    }
    for five in ["5m", "5min"] {
        let body = json_of(&client, &series(five, "")).await;
        assert_eq!(counts(&body), [1, 1, 1], "{five}");
        assert_eq!(
            body["points"][1]["start"],
            (start + chrono::Duration::minutes(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
    }
    let by_model = json_of(&client, &series("day", "&group_by=model")).await;
    let groups: Vec<(&str, u64)> = by_model["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["group"].as_str().unwrap(), p["requests"].as_u64().unwrap()))
        .collect();
    assert_eq!(groups, [("llama-3.1-8b", 2), ("llama-3.3-70b", 1)]);
    let (status, csv, _) = get(&client, &format!("{}&format=csv", series("d", ""))).await;
    assert_eq!(status, 200);
    assert!(
        csv.starts_with("start,group,label,requests,failures,tokens_in,tokens_out,cost_usd,avg_latency_ms\r\n"),
        "{csv}"
    );
}

async fn bad_ranges_buckets_and_groupings_are_400(backend: Backend) {
    let client = server(backend).await;
    for (query, message) in [
        (
            "timeseries?bucket=week",
            "Invalid bucket: 'week'. Use minute, hour or day (also minutes, min, m, hours, h, days, d) or a duration such as 30s, 5m, 1h or 1d, up to 31d",
        ),
        (
            "timeseries?group_by=customer",
            "Invalid group_by: 'customer'. Valid values: tenant, agent, model, provider, api_key, endpoint, status",
        ),
        (
            "breakdown?group_by=customer",
            "Invalid group_by: 'customer'. Valid values: tenant, agent, model, provider, api_key, endpoint, status",
        ),
        ("breakdown?from=2026-03-02&to=2026-03-01", "from must be before to"),
        ("breakdown?from=2024-01-01&to=2026-03-01", "a range covers at most 366 days"),
        ("breakdown?from=yesterday", "from must be an RFC 3339 time or a date (YYYY-MM-DD)"),
        ("breakdown?format=xml", "Invalid format: 'xml'. Use json or csv"),
        ("breakdown?limit=0", "limit must be between 1 and 10000"),
        ("breakdown?tenant_id=acme", "tenant_id is not an id"),
        ("timeseries?status=99", "status must be between 100 and 599"),
        (
            "timeseries?from=2026-01-01&to=2026-03-01&bucket=minute",
            "84960 buckets of 1m is more than 10000: choose a wider bucket or a shorter range",
        ),
    ] {
        let (status, body, _) = get(&client, &format!("/api/admin/metrics/{query}")).await;
        assert_eq!(
            (status, serde_json::from_str::<Value>(&body).unwrap()),
            (400, error(message, "BAD_REQUEST")),
            "{query}"
        );
    }
}
