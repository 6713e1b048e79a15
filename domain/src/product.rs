//! Product types: the template set a tenant is provisioned from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which set of agent templates a tenant is provisioned with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductType {
    Generic,
    Kasino,
    Ehb,
}

/// A product type name that is not one of the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid product_type: '{0}'. Valid product types: generic, kasino, ehb")]
pub struct InvalidProductType(pub String);

impl ProductType {
    /// Every product type.
    pub const ALL: [ProductType; 3] = [ProductType::Generic, ProductType::Kasino, ProductType::Ehb];

    /// The lowercase name used on the wire and in storage.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ProductType::Generic => "generic",
            ProductType::Kasino => "kasino",
            ProductType::Ehb => "ehb",
        }
    }
}

impl FromStr for ProductType {
    type Err = InvalidProductType;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        ProductType::ALL
            .into_iter()
            .find(|product| product.as_str() == raw)
            .ok_or_else(|| InvalidProductType(raw.to_owned()))
    }
}

impl fmt::Display for ProductType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_types_parse_from_their_names() {
        for product in ProductType::ALL {
            assert_eq!(product.as_str().parse::<ProductType>(), Ok(product));
        }
    }

    #[test]
    fn an_unknown_product_type_names_the_valid_ones() {
        let err = "casino".parse::<ProductType>().unwrap_err();
        assert_eq!(err.to_string(), "Invalid product_type: 'casino'. Valid product types: generic, kasino, ehb");
    }
}
