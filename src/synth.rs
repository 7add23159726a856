//! Synthetic registry generator for `rirwhois gen` (being written on another branch).
use std::path::PathBuf;

use crate::model::Timestamp;

#[derive(Debug, Clone, Copy)]
pub enum Scale {
    Small,
    Rir,
}
impl std::str::FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "small" => Ok(Scale::Small),
            "rir" => Ok(Scale::Rir),
            _ => Err(format!("unknown scale '{s}'")),
        }
    }
}
#[derive(Debug, Clone, Copy)]
pub enum GenFormat {
    ArinXml,
    Rpsl,
}
impl std::str::FromStr for GenFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "arin-xml" => Ok(GenFormat::ArinXml),
            "rpsl" => Ok(GenFormat::Rpsl),
            _ => Err(format!("unknown format '{s}'")),
        }
    }
}
pub struct GenOptions {
    pub scale: Scale,
    pub seed: u64,
    pub format: GenFormat,
    pub out: PathBuf,
    pub prefixes: Option<PathBuf>,
    pub progress: bool,
    pub reference_date: Timestamp,
}
#[derive(Debug, Default)]
pub struct GenReport {
    pub files: Vec<PathBuf>,
    pub nets_v4: u64,
    pub nets_v6: u64,
    pub asns: u64,
    pub pocs: u64,
    pub orgs: u64,
    pub bytes: u64,
}
#[derive(Debug, thiserror::Error)]
#[error("generator not merged yet")]
pub struct GenError;
pub fn generate(_opts: &GenOptions) -> Result<GenReport, GenError> {
    Err(GenError)
}
