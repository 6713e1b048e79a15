//! `GET /api/admin/agent-templates?product_type=...`: the templates of one product type, or all of them.

use actix_web::{HttpResponse, web};
use ares_domain::ProductType;
use serde::Deserialize;
use serde_json::json;

use crate::ApiError;
use crate::state::AdminApi;
use crate::views::TemplateView;

#[derive(Deserialize)]
pub(crate) struct Query {
    product_type: Option<String>,
}

pub(crate) async fn handle(api: web::Data<AdminApi>, query: web::Query<Query>) -> Result<HttpResponse, ApiError> {
    let product_type = query.product_type.as_deref().map(str::parse::<ProductType>).transpose()?;
    let templates = api.templates.list(product_type).await?;
    let templates: Vec<TemplateView> = templates.iter().map(TemplateView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "templates": templates })))
}
