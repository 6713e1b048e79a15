//! `GET /api/admin/agent-templates?product_type=...`: the templates of one product type, or all of them.

use actix_web::{HttpResponse, web};
use ares_domain::ProductType;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ApiError;
use crate::state::AdminApi;
use crate::views::{ErrorView, ProductTypeName, TemplateList, TemplateView};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TemplateQuery {
    /// `generic`, `kasino` or `ehb`; all templates when not given.
    #[param(value_type = Option<ProductTypeName>)]
    product_type: Option<String>,
}

/// The templates of one product type, or all of them.
#[utoipa::path(
    get,
    path = "/api/admin/agent-templates",
    operation_id = "listAgentTemplates",
    tag = "catalog",
    params(TemplateQuery),
    responses(
        (status = 200, description = "The templates", body = TemplateList),
        (status = 422, description = "An unknown product type", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    query: web::Query<TemplateQuery>,
) -> Result<HttpResponse, ApiError> {
    let product_type = query.product_type.as_deref().map(str::parse::<ProductType>).transpose()?;
    let templates = api.templates.list(product_type).await?;
    Ok(HttpResponse::Ok().json(TemplateList { templates: templates.iter().map(TemplateView::from).collect() }))
}
