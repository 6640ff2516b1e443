//! Any bytes, as a share link, a compiled course, a saved record or saved progress,
//! give a value or an error, never a panic, a hang or an allocation beyond the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalelab_engine::link::{base64url, from_link, from_record, pack, read_course};
use scalelab_engine::progress::Progress;

fuzz_target!(|data: &[u8]| {
    let _ = read_course(data);
    // As link text, as a link's raw payload, and as its body (packed with a valid check).
    let _ = from_link(&String::from_utf8_lossy(data));
    let _ = from_link(&format!("s={}", base64url::encode(data)));
    let payload = pack(data);
    let _ = from_link(&format!("s={}", payload));
    let _ = from_record(&format!("r={}", payload));
    let _ = from_record(&String::from_utf8_lossy(data));
    let _ = Progress::decode(&format!("p={}", base64url::encode(data)));
});
