//! Optional HTTPS for the RDAP listener: a rustls server configuration (ring provider,
//! TLS 1.2 and 1.3, ALPN `http/1.1`) from a PEM certificate chain and private key.

use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{
    self,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
};

use crate::server::TlsConfig;

/// Reads the certificate chain and key named in `[rdap.tls]`.
pub fn load_tls(cfg: &TlsConfig) -> Result<TlsAcceptor, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cfg.cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("rdap.tls.cert {}: {e}", cfg.cert.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "rdap.tls.cert {}: no certificate in the file",
            cfg.cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&cfg.key)
        .map_err(|e| format!("rdap.tls.key {}: {e}", cfg.key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("rdap.tls: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
