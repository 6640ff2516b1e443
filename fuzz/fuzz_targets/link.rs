//! Any bytes, as a share link or a compiled course, give a value or an error, never a
//! panic, a hang or an allocation beyond the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalelab_engine::link::{base64url, from_link, lz, read_course, LINK_VERSION};

fuzz_target!(|data: &[u8]| {
    let _ = read_course(data);
    // As link text, as a link's raw payload, and as its compressed body.
    let _ = from_link(&String::from_utf8_lossy(data));
    let _ = from_link(&format!("s={}", base64url::encode(data)));
    let mut payload = vec![LINK_VERSION];
    payload.extend(lz::compress(data));
    let _ = from_link(&format!("s={}", base64url::encode(&payload)));
});
