//! Fetching the app's own static files (lessons, benchmark diagrams) from the server
//! that served the page.

use std::future::Future;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The text of the file at `url` (relative to the page), or a sentence saying why not.
/// The request starts at once, so several can be under way before the first is awaited.
pub fn fetch_text(url: &str) -> impl Future<Output = Result<String, String>> {
    let url = url.to_string();
    let request = web_sys::window().map(|w| w.fetch_with_str(&url));
    async move {
        let fail = |what: &str| format!("{url} could not be loaded ({what})");
        let response = JsFuture::from(request.ok_or_else(|| fail("no window"))?)
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
}
