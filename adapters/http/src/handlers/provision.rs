//! `POST /api/admin/provision-client`: tenant, cloned templates and first API key in one transaction (201).
//! The raw key is in this response and nowhere else.

use actix_web::{HttpResponse, web};
use ares_application::usecases::ProvisionRequest;
use ares_domain::{ProductType, TenantName, Tier};
use serde::Deserialize;
use serde_json::json;

use crate::ApiError;
use crate::state::AdminApi;
use ares_domain::KeyLabel;

#[derive(Deserialize)]
pub(crate) struct Body {
    name: String,
    tier: String,
    product_type: String,
    api_key_name: String,
}

pub(crate) async fn handle(api: web::Data<AdminApi>, body: web::Json<Body>) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let request = ProvisionRequest {
        name: TenantName::parse(&body.name)?,
        tier: body.tier.parse::<Tier>()?,
        product_type: body.product_type.parse::<ProductType>()?,
        api_key_name: KeyLabel::parse(&body.api_key_name)?,
    };
    let client = api.provisioning.provision(request).await?;
    tracing::info!(tenant.id = %client.tenant.id, agents.count = client.agents.len(), "client provisioned");
    let agents: Vec<String> = client.agents.iter().map(|a| a.name.to_string()).collect();
    Ok(HttpResponse::Created().json(json!({
        "tenant_id": client.tenant.id.to_string(),
        "tenant_name": client.tenant.name,
        "tier": client.tenant.tier,
        "product_type": client.tenant.product_type,
        "api_key_id": client.key.id.to_string(),
        "api_key_prefix": client.key.prefix,
        "raw_api_key": client.raw_key.expose(),
        "agents_created": agents,
    })))
}
