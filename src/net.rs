//! Fetching the app's own static files (lessons, benchmark diagrams) from the server
//! that served the page.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The text of the file at `url` (relative to the page), or a sentence saying why not.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    let fail = |what: &str| format!("{url} could not be loaded ({what})");
    let window = web_sys::window().ok_or_else(|| fail("no window"))?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| fail("the network request failed"))?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| fail("no response"))?;
    if !response.ok() {
        return Err(fail(&format!("status {}", response.status())));
    }
    let text = response.text().map_err(|_| fail("unreadable"))?;
    JsFuture::from(text)
        .await
        .map_err(|_| fail("unreadable"))?
        .as_string()
        .ok_or_else(|| fail("not text"))
}
