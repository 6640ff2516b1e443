//! The bridge to the files module (`crates/files`): a second WebAssembly module that
//! reads and writes the JSON files and upgrades what an older Scale Lab saved as JSON.
//! The page itself carries no JSON code; the module is fetched the first time one of
//! these is called, and its functions take and give back the compact record text.

use scalelab_engine::link::{from_record, to_record, Record};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
let files;
function load() {
  if (!files) {
    const url = new URL('scalelab-files.js', document.baseURI).href;
    files = import(url).then(async (m) => { await m.default(); return m; });
    files.catch(() => { files = undefined; });
  }
  return files;
}
export async function files_available() {
  try {
    await load();
    return true;
  } catch (e) {
    return false;
  }
}
export async function call_files(name, a, b) {
  let m;
  try {
    m = await load();
  } catch (e) {
    throw UNAVAILABLE;
  }
  return m[name](a, b);
}
const UNAVAILABLE = 'The part of Scale Lab that reads and writes files could not be loaded. Check the connection and try again.';
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn call_files(name: &str, a: &str, b: &str) -> Result<JsValue, JsValue>;
    async fn files_available() -> JsValue;
}

async fn call(name: &str, a: &str, b: &str) -> Result<String, String> {
    // The module answers with text and fails with a sentence; anything else it threw
    // is an error of its own, not the learner's.
    let unexpected = || "The part of Scale Lab that reads and writes files failed.".to_string();
    match call_files(name, a, b).await {
        Ok(v) => v.as_string().ok_or_else(unexpected),
        Err(e) => Err(e.as_string().unwrap_or_else(unexpected)),
    }
}

/// Reads an imported file: a diagram, a scenario or goals.
pub async fn read_file(text: &str) -> Result<Record, String> {
    let record = call("read_file", text, "").await?;
    from_record(&record).map_err(|e| e.to_string())
}

/// The JSON file of a diagram, a scenario or goals.
pub async fn write_file(record: &Record) -> Result<String, String> {
    call("write_file", &to_record(record), "").await
}

thread_local! {
    /// What the last [`upgrade_storage`] could not convert, for the app to say.
    static UPGRADE_NOTE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// What the upgrade at start could not convert and kept aside, once.
pub fn take_upgrade_note() -> Option<String> {
    UPGRADE_NOTE.with(|n| n.borrow_mut().take())
}

/// Upgrades, in place, every value an older Scale Lab kept as JSON in local storage.
/// Does nothing (and loads nothing) when there is none. A value that cannot be
/// upgraded is moved to `<key>.unreadable`, so that it is not lost and later visits
/// neither try again nor need the converter; [`take_upgrade_note`] then says so. When
/// the files module cannot be loaded at all, nothing is touched and the error says so:
/// the app must not start over the saves.
pub async fn upgrade_storage() -> Result<(), String> {
    let Some(store) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return Ok(());
    };
    let len = store.length().unwrap_or(0);
    let old: Vec<(String, String)> = (0..len)
        .filter_map(|i| store.key(i).ok().flatten())
        .filter(|k| k.starts_with("scalelab.") && !k.ends_with(".unreadable"))
        .filter_map(|k| {
            let v = store.get_item(&k).ok().flatten()?;
            v.trim_start().starts_with('{').then_some((k, v))
        })
        .collect();
    if old.is_empty() {
        return Ok(());
    }
    if files_available().await.as_bool() != Some(true) {
        return Err("Your work was saved by an earlier version of Scale Lab and has to be converted, \
             but the part of Scale Lab that converts it could not be loaded. Nothing has been changed: \
             check the connection and try again."
            .into());
    }
    let mut problems = Vec::new();
    for (key, text) in old {
        match call("upgrade", &key, &text).await {
            Ok(new) => {
                let _ = store.set_item(&key, &new);
            }
            Err(why) => {
                let kept = store.set_item(&format!("{key}.unreadable"), &text);
                if kept.is_ok() {
                    let _ = store.remove_item(&key);
                }
                problems.push(why);
            }
        }
    }
    if !problems.is_empty() {
        let note = format!(
            "Work saved by an earlier version of Scale Lab could not be converted and was kept aside: {}.",
            problems.join("; ")
        );
        UPGRADE_NOTE.with(|n| *n.borrow_mut() = Some(note));
    }
    Ok(())
}

/// What the page shows instead of the app when saved work could not be upgraded.
#[leptos::component]
pub fn UpgradeFailed(message: String) -> impl leptos::IntoView {
    use leptos::prelude::*;
    let retry = move |_| {
        let _ = window().location().reload();
    };
    view! {
        <main class="upgrade-failed" data-testid="upgrade-failed">
            <h1>"Scale Lab could not open your saved work"</h1>
            <p>{message}</p>
            <button class="btn primary" data-testid="upgrade-retry" on:click=retry>"Try again"</button>
        </main>
    }
}
