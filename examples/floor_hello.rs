//! Floor F0 of the benchmark (`bench/run.sh`): actix-web serving a fixed
//! 2 KB page, nothing else. No page of the shop can be faster than this on
//! the same machine, so the shop's figures are read as ratios to it.
//!
//! `cargo run --release --example floor_hello -- 127.0.0.1:9001`

/// The same allocator as the shop (`src/main.rs`), so the floor measures
/// the same stack.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let page: &'static str = Box::leak(
        format!(
            "<!doctype html><html><head><title>Floor</title></head><body>{}</body></html>",
            "<p>Cookie Jar benchmark floor: a static page of about two kilobytes.</p>".repeat(27)
        )
        .into_boxed_str(),
    );
    HttpServer::new(move || {
        App::new().route(
            "/",
            web::get().to(move || async move {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(page)
            }),
        )
    })
    .bind(addr)?
    .run()
    .await
}
