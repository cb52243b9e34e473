//! `/products` and `/products/{slug}`.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::{AppError, Result},
    data::repo::products::{self, Product, Sort},
    services::state::AppState,
    web::{
        extract::Visitor,
        page::{filters, render, Layout, Pager},
    },
};

/// `?page=N&sort=name|price`. A query that does not read as this (a page
/// that is not a whole number, a field given twice) is refused with the
/// shop's 400 page before the handler runs ([`startup`]'s [`QueryConfig`]).
///
/// [`startup`]: crate::app::startup
/// [`QueryConfig`]: actix_web::web::QueryConfig
#[derive(Deserialize)]
pub(crate) struct CatalogQuery {
    page: Option<i64>,
    sort: Option<String>,
}

#[derive(Template)]
#[template(path = "products.html")]
struct CatalogPage {
    layout: Layout,
    products: Vec<Product>,
    sort: &'static str,
    pager: Pager,
}

pub(crate) async fn index(
    app: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<CatalogQuery>,
) -> Result<HttpResponse> {
    let sort = match query.sort.as_deref() {
        None => Sort::default(),
        Some(value) => Sort::parse(value)
            .ok_or_else(|| AppError::BadRequest("Sort by `name` or `price`.".into()))?,
    };
    let size = visitor.preferences().page_size().get();
    let number = Pager::asked(query.page)?;
    let (products, total) = products::page(&app.db.pool, sort, size, number).await?;
    let base = format!("/products?sort={}", sort.as_str());
    render(CatalogPage {
        layout: visitor.layout(),
        products,
        sort: sort.as_str(),
        pager: Pager::new(base, number, size, total)?,
    })
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    layout: Layout,
    product: Product,
}

pub(crate) async fn show(
    app: web::Data<AppState>,
    visitor: Visitor,
    slug: web::Path<String>,
) -> Result<HttpResponse> {
    // Slugs are lower-case words and hyphens; anything else cannot exist
    // and is not worth a query (PostgreSQL would even refuse a NUL byte).
    if !slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(AppError::NotFound);
    }
    let product = products::by_slug(&app.db.pool, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    render(ProductPage {
        layout: visitor.layout(),
        product,
    })
}
