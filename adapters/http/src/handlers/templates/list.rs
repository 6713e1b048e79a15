//! `GET /api/admin/agent-templates?product_type=...`: the templates of one product type, or all of them.

use actix_web::{HttpResponse, web};
use ares_domain::ProductType;
use serde::Deserialize;
use serde_json::json;

use crate::views::TemplateView;
use crate::{ApiError, AppState};

#[derive(Deserialize)]
pub(crate) struct Query {
    product_type: Option<String>,
}

pub(crate) async fn handle(state: web::Data<AppState>, query: web::Query<Query>) -> Result<HttpResponse, ApiError> {
    let product_type = query.product_type.as_deref().map(str::parse::<ProductType>).transpose()?;
    let templates = state.templates.list(product_type).await?;
    let templates: Vec<TemplateView> = templates.iter().map(TemplateView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "templates": templates })))
}
