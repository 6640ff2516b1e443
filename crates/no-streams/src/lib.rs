//! A stand-in for the `wasm-streams` crate, put in its place by `[patch.crates-io]`.
//!
//! Leptos always builds the browser client of `server_fn`, which turns fetch bodies
//! into Rust streams and back with `wasm-streams`. Scale Lab has no server functions,
//! so that code never runs and is left out of the page, but `wasm-streams` exports its
//! stream sources and sinks to JavaScript, and a module keeps its exports whether they
//! are used or not, with all they call (I/O error texts among them). This crate has
//! only what `server_fn` names: a `ReadableStream` wrapping the browser's, converted
//! from and to it. The two conversions between streams are never called in Scale Lab.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use wasm_bindgen::JsValue;

/// The browser's `ReadableStream`, as `wasm-streams` wraps it.
pub struct ReadableStream {
    raw: web_sys::ReadableStream,
}

impl ReadableStream {
    /// Wraps a browser stream.
    pub fn from_raw(raw: web_sys::ReadableStream) -> Self {
        ReadableStream { raw }
    }

    /// The browser stream wrapped.
    pub fn into_raw(self) -> web_sys::ReadableStream {
        self.raw
    }

    /// Would stream a request body; only a server function's streamed request does.
    pub fn from_stream<St>(_stream: St) -> Self
    where
        St: Stream<Item = Result<JsValue, JsValue>> + 'static,
    {
        unreachable!("Scale Lab has no server functions")
    }

    /// Would read a response body as a stream; only a server function's streamed
    /// response does.
    pub fn into_stream(self) -> IntoStream {
        unreachable!("Scale Lab has no server functions")
    }
}

/// What [`ReadableStream::into_stream`] would give; never made.
pub struct IntoStream(());

impl Stream for IntoStream {
    type Item = Result<JsValue, JsValue>;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(None)
    }
}
