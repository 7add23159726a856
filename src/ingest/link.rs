//! Linking (being written).
use super::Ingest;
use crate::model::Database;
pub struct Linked {
    pub db: Database,
}
pub fn link(_i: Ingest) -> Linked {
    Linked {
        db: Database::default(),
    }
}
