//! Entry point of the browser app: install the panic hook and mount the root view.

use leptos::prelude::*;
use scalelab::app::App;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| view! { <App/> });
}
