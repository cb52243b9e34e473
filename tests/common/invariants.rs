//! What must hold of a shop's database whatever happened to it (kills,
//! floods, hours of load): the crash test and the soak check these.

use std::collections::HashMap;

use cookie_jar::data::db::Pool;

/// Every product's stock, by id.
pub async fn stock(pool: &Pool) -> HashMap<i64, i64> {
    sqlx::query_as::<_, (i64, i64)>("SELECT id, stock FROM products")
        .fetch_all(pool)
        .await
        .expect("stock")
        .into_iter()
        .collect()
}

/// Every unit of stock there was at the start is still in stock or in an
/// order; no order is without lines and no line without an order. Returns
/// the units sold.
pub async fn assert_stock_and_orders_whole(pool: &Pool, initial: &HashMap<i64, i64>) -> i64 {
    let sold: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
        "SELECT product_id, CAST(SUM(quantity) AS BIGINT) FROM order_items GROUP BY product_id",
    )
    .fetch_all(pool)
    .await
    .expect("units sold")
    .into_iter()
    .collect();
    let now = stock(pool).await;
    for (id, at_start) in initial {
        let sold = sold.get(id).copied().unwrap_or(0);
        assert_eq!(
            now[id] + sold,
            *at_start,
            "product {id}: {} in stock + {sold} sold",
            now[id]
        );
    }
    let empty_orders = "SELECT COUNT(*) FROM orders o
        WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)";
    let orphan_lines = "SELECT COUNT(*) FROM order_items i
        WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = i.order_id)";
    for (what, count) in [
        ("orders without lines", empty_orders),
        ("lines without an order", orphan_lines),
    ] {
        let found: i64 = sqlx::query_scalar(count).fetch_one(pool).await.unwrap();
        assert_eq!(found, 0, "{what}");
    }
    sold.values().sum()
}
