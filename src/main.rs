//! Entry point of the browser app: install the panic hook, upgrade what an older Scale
//! Lab saved (only when there is such a save), and mount the root view.

use leptos::prelude::*;
use scalelab::app::App;

fn main() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        match scalelab::files::upgrade_storage().await {
            Ok(()) => leptos::mount::mount_to_body(|| view! { <App/> }),
            Err(message) => leptos::mount::mount_to_body(move || {
                view! { <scalelab::files::UpgradeFailed message=message/> }
            }),
        }
    });
}
