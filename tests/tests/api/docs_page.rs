//! `GET /docs/`: the Swagger UI page of `GET /openapi.json`, served whole by the server itself (`/docs` redirects
//! to it). A real browser, Debian's headless `chromium`, renders it: the page fetches the document and lists every
//! operation in it, and loads nothing from elsewhere. The test leaves a screenshot at `target/docs-page.png` for a
//! human to look at. Without `chromium` the browser test fails (CI installs it): it never passes unchecked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use ares_store::Backend;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::Value;

use crate::helpers::{TestApp, openapi_document, openapi_operations};

/// Where the browser test leaves its screenshot: the workspace's `target/`.
const SCREENSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/docs-page.png");

/// The browser window, and so the screenshot, in pixels.
const WINDOW: (u32, u32) = (1280, 2000);

/// The host name the browser loads the page from, resolved to the server's 127.0.0.1 by the browser itself: Swagger
/// UI treats a page on `localhost` or `127.0.0.1` differently (it calls no online validator for it), and a
/// deployment is on neither.
const PAGE_HOST: &str = "ares.test";

#[tokio::test(flavor = "multi_thread")]
async fn docs_without_the_trailing_slash_redirects_to_the_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let response = client.get(format!("{}/docs", app.address)).send().await.unwrap();
    assert!(response.status().is_redirection(), "GET /docs answered {}", response.status());
    let location = response.headers().get(LOCATION).map(|value| value.to_str().unwrap().to_owned());
    let to_page = [Some("/docs/".to_owned()), Some(format!("{}/docs/", app.address))];
    assert!(to_page.contains(&location), "GET /docs redirects to {location:?}");

    let followed = app.request(Method::GET, "/docs").send().await.unwrap();
    assert_eq!(followed.status(), 200);
    assert_eq!(followed.url().path(), "/docs/");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_docs_page_and_every_asset_it_loads_are_served_by_the_server_itself() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.request(Method::GET, "/docs/").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers().get(CONTENT_TYPE).map(|value| value.to_str().unwrap().to_owned());
    assert!(content_type.as_deref().is_some_and(|value| value.starts_with("text/html")), "{content_type:?}");
    let html = response.text().await.unwrap();

    let assets = asset_urls(&html);
    assert!(assets.iter().any(|url| url.ends_with(".js")), "the page loads no script:\n{html}");
    assert!(assets.iter().any(|url| url.ends_with(".css")), "the page loads no stylesheet:\n{html}");
    for url in &assets {
        assert!(!url.contains("://") && !url.starts_with("//"), "the page loads {url} from elsewhere:\n{html}");
        let path = if url.starts_with('/') { url.clone() } else { format!("/docs/{}", url.trim_start_matches("./")) };
        let asset = app.request(Method::GET, &path).send().await.unwrap();
        assert_eq!(asset.status(), 200, "the page's asset {url} (GET {path})");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_shows_every_operation_of_the_openapi_document_on_the_docs_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let documented = documented_operations(&app).await;
    assert!(!documented.is_empty(), "/openapi.json documents no operation");

    let screenshot = Path::new(SCREENSHOT);
    let (dom, stderr) = render(&app.address, "/docs/", screenshot).await;
    let context = || format!("chromium's stderr:\n{stderr}\nthe rendered page begins:\n{}", excerpt(&dom, 3000));

    let shown = shown_operations(&dom);
    assert!(!shown.is_empty(), "no operation on the rendered page; {}", context());
    let missing: Vec<_> = documented.keys().filter(|operation| !shown.contains_key(*operation)).collect();
    assert!(missing.is_empty(), "documented in /openapi.json but not on the page: {missing:?}");
    let unknown: Vec<_> = shown.keys().filter(|operation| !documented.contains_key(*operation)).collect();
    assert!(unknown.is_empty(), "on the page but not in /openapi.json: {unknown:?}");
    let rows: usize = shown.values().sum();
    assert_eq!(rows, documented.values().sum::<usize>(), "one row per operation and tag");
    assert_eq!(shown, documented, "(method, path): rows, one under each of the operation's tags");

    assert!(
        !dom.contains("validator.swagger.io"),
        "the page calls Swagger's online validator with the document's URL (Swagger UI's default `validatorUrl` \
         on any host but localhost); configure the UI with `validatorUrl: \"none\"`"
    );
    let origin = format!("http://{PAGE_HOST}:{}/", port(&app.address));
    for source in attribute_values(&dom, " src=") {
        let elsewhere = source.contains("://") || source.starts_with("//");
        assert!(!elsewhere || source.starts_with(&origin), "the rendered page loads {source} from elsewhere");
    }

    assert_screenshot(screenshot);
}

/// Every operation of the server's `/openapi.json` as (METHOD, path), with the number of rows Swagger UI shows it
/// in: one under each of its tags, or one under "default" when it has none.
async fn documented_operations(app: &TestApp) -> BTreeMap<(String, String), usize> {
    let document = openapi_document(app).await;
    let mut operations = BTreeMap::new();
    for (method, path, operation) in openapi_operations(&document) {
        let tags: BTreeSet<&str> =
            operation["tags"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        operations.insert((method, path), tags.len().max(1));
    }
    operations
}

/// The operation rows of Swagger UI's rendered page as (METHOD, path), counted. A row is an element whose class
/// begins `opblock ` (`opblock opblock-get`, `opblock opblock-deprecated`, ...); its summary holds the method as
/// the text of the `opblock-summary-method` span and the path, as written in the document, as the `data-path`
/// attribute of the path's span (whose class differs for a deprecated operation, the attribute does not):
///
/// `<div class="opblock opblock-get" id="operations-admin-get_0"><div class="opblock-summary opblock-summary-get">
/// <button ...><span class="opblock-summary-method">GET</span><div ...><span class="opblock-summary-path"
/// data-path="/api/admin/things/{id}">...`
fn shown_operations(dom: &str) -> BTreeMap<(String, String), usize> {
    let mut rows = BTreeMap::new();
    for row in dom.split("class=\"opblock ").skip(1) {
        let method = element_text(row, "opblock-summary-method")
            .unwrap_or_else(|| panic!("an operation row without its method: {}", excerpt(row, 600)));
        let path = attribute_value(row, "data-path=")
            .unwrap_or_else(|| panic!("an operation row without its path: {}", excerpt(row, 600)));
        *rows.entry((unescape(method.trim()), unescape(path))).or_insert(0) += 1;
    }
    rows
}

/// The page `path` of the server at `address` as Debian's headless `chromium` renders it: the DOM once the page's
/// scripts have run, and chromium's stderr; a screenshot of the window is written to `screenshot`. One run does
/// both.
///
/// `--virtual-time-budget` makes chromium dump the page once it has been idle for that much virtual time, which
/// stands still while a request is in flight: the page is dumped after its scripts have fetched the document and
/// rendered it however slow the server is, and virtual time runs fast, so this takes about 2 seconds, not 10. The
/// page's host `PAGE_HOST` is resolved by chromium to 127.0.0.1; `--no-sandbox` lets it run as root in a container,
/// `--disable-dev-shm-usage` keeps its shared memory out of a small `/dev/shm`, the profile is a throwaway one.
async fn render(address: &str, path: &str, screenshot: &Path) -> (String, String) {
    let browser = chromium();
    let profile = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(screenshot.parent().unwrap()).unwrap();
    std::fs::remove_file(screenshot).ok();
    let url = format!("http://{PAGE_HOST}:{}{path}", port(address));
    let mut command = tokio::process::Command::new(&browser);
    command
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        .args(["--no-first-run", "--no-default-browser-check", "--no-proxy-server"])
        .arg(format!("--host-resolver-rules=MAP {PAGE_HOST} 127.0.0.1"))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={},{}", WINDOW.0, WINDOW.1))
        .args(["--force-device-scale-factor=1", "--hide-scrollbars", "--virtual-time-budget=10000"])
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg("--dump-dom")
        .arg(&url)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .unwrap_or_else(|_| panic!("{} did not render {url} within 2 minutes", browser.display()))
        .unwrap_or_else(|error| panic!("running {}: {error}", browser.display()));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{} {url}: {}\n{stderr}", browser.display(), output.status);
    (String::from_utf8_lossy(&output.stdout).into_owned(), stderr)
}

/// Debian's `chromium`: `/usr/bin/chromium`, or the first `chromium` on `PATH`. Its absence fails the test.
fn chromium() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).map(|dir| dir.join("chromium")).collect::<Vec<_>>())
        .unwrap_or_default();
    std::iter::once(PathBuf::from("/usr/bin/chromium")).chain(on_path).find(|path| path.is_file()).unwrap_or_else(
        || {
            panic!(
                "this test renders /docs/ in a real browser: install Debian's `chromium` package \
                 (`apt-get install -y chromium`, as .ci/run does); no chromium at /usr/bin/chromium nor on PATH"
            )
        },
    )
}

/// Asserts `path` holds a PNG of the browser window with something drawn in it: a blank window is about 12 kB.
fn assert_screenshot(path: &Path) {
    let png = std::fs::read(path).unwrap_or_else(|error| panic!("no screenshot at {}: {error}", path.display()));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", path.display());
    assert!(png.len() > 24 && &png[12..16] == b"IHDR", "{} has no PNG header", path.display());
    let width = u32::from_be_bytes(<[u8; 4]>::try_from(&png[16..20]).unwrap());
    let height = u32::from_be_bytes(<[u8; 4]>::try_from(&png[20..24]).unwrap());
    assert_eq!((width, height), WINDOW, "the screenshot's size in pixels");
    assert!((20_000..20_000_000).contains(&png.len()), "a screenshot of {} bytes", png.len());
}

/// The URLs the HTML page's `<script src>` and `<link href>` tags load.
fn asset_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for (tag, attribute) in [("<script", "src="), ("<link", "href=")] {
        for element in html.split(tag).skip(1) {
            let element = &element[..element.find('>').unwrap_or(element.len())];
            urls.extend(attribute_value(element, attribute).map(unescape));
        }
    }
    urls
}

/// Every value of the attribute `name` (written `name=`, with the space before it to match whole names) in `html`.
fn attribute_values(html: &str, name: &str) -> Vec<String> {
    html.split(name).skip(1).filter_map(quoted).map(unescape).collect()
}

/// The value of the first attribute `name` (written `name=`) in `html`.
fn attribute_value<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    quoted(&html[html.find(name)? + name.len()..])
}

/// The attribute value `text` begins with, quoted with `"` or `'`.
fn quoted(text: &str) -> Option<&str> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &text[1..];
    Some(&rest[..rest.find(quote)?])
}

/// The text of the first element in `html` whose class is exactly `class`, up to its first child.
fn element_text<'a>(html: &'a str, class: &str) -> Option<&'a str> {
    let marker = format!("class=\"{class}\"");
    let rest = &html[html.find(&marker)? + marker.len()..];
    let rest = &rest[rest.find('>')? + 1..];
    Some(&rest[..rest.find('<')?])
}

/// `text` with the character references a serialized DOM writes in text and attributes replaced.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The first `chars` characters of `text`.
fn excerpt(text: &str, chars: usize) -> &str {
    text.char_indices().nth(chars).map_or(text, |(end, _)| &text[..end])
}

/// The port of a server address `http://127.0.0.1:PORT`.
fn port(address: &str) -> &str {
    address.rsplit_once(':').map(|(_, port)| port).unwrap_or_else(|| panic!("no port in {address}"))
}
