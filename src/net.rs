//! Fetching the app's own static files (lessons, benchmark diagrams) from the server
//! that served the page.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The response for `url` (relative to the page), or a sentence saying why not.
async fn fetch(url: &str) -> Result<web_sys::Response, String> {
    let fail = |what: &str| format!("{url} could not be loaded ({what})");
    let request = web_sys::window()
        .ok_or_else(|| fail("no window"))?
        .fetch_with_str(url);
    let response = JsFuture::from(request)
        .await
        .map_err(|_| fail("the network request failed"))?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| fail("no response"))?;
    if !response.ok() {
        return Err(fail(&format!("status {}", response.status())));
    }
    Ok(response)
}

/// The text of the file at `url`.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    let response = fetch(url).await?;
    let unreadable = || format!("{url} could not be read");
    let text = response.text().map_err(|_| unreadable())?;
    JsFuture::from(text)
        .await
        .map_err(|_| unreadable())?
        .as_string()
        .ok_or_else(unreadable)
}

/// The bytes of the file at `url`.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = fetch(url).await?;
    let unreadable = || format!("{url} could not be read");
    let buffer = response.array_buffer().map_err(|_| unreadable())?;
    let buffer = JsFuture::from(buffer).await.map_err(|_| unreadable())?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
