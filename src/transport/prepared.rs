//! A request ready for the pipeline: built once, from typed parts by the
//! facade or from the generated code's request, carrying its operation.

use super::held::{ByteStream, HeldStream};
use crate::spec::{self, Operation};
use bytes::Bytes;
use reqwest::Method;

/// A request and what the pipeline needs to know of it.
pub(crate) struct Prepared {
    pub(crate) operation: &'static Operation,
    pub(crate) request: reqwest::Request,
    /// Who a send goes from and to, when pacing applies.
    pub(crate) pacing: Option<PacingKeys>,
    /// The streamed body, held so that an attempt that never read it (its
    /// connection was refused) hands it back for the next one.
    pub(crate) held: Option<HeldStream>,
}

/// Who a send goes from and to.
#[derive(Debug, Clone)]
pub(crate) struct PacingKeys {
    pub(crate) source: String,
    pub(crate) recipients: Vec<String>,
}

/// What a facade request carries.
pub(crate) enum Payload {
    None,
    /// A JSON document, already serialized.
    Json(Vec<u8>),
    /// A multipart body in memory (can be sent again if a retry is safe).
    Multipart {
        content_type: String,
        body: Bytes,
    },
    /// A multipart body read as it is sent, with its length when known
    /// (else it goes chunked). Sent again only by an attempt after one that
    /// never started to read it.
    MultipartStream {
        content_type: String,
        body: ByteStream,
        len: Option<u64>,
    },
}

/// An operation for requests the generated code made for an operation the
/// built spec does not list (it always does; this keeps the pipeline total).
static UNLISTED: Operation = Operation {
    id: "unlisted",
    method: "",
    path: "",
    route: "unlisted",
    generated: true,
    binary_response: false,
};

impl Prepared {
    /// A facade request for `operation`, to `base_url` plus its path.
    pub(crate) fn new(
        operation: &'static Operation,
        base_url: &str,
        query: &[(&str, &str)],
        payload: Payload,
        pacing: Option<PacingKeys>,
    ) -> Result<Self, String> {
        let method = Method::from_bytes(operation.method.as_bytes())
            .map_err(|e| format!("spec method {:?}: {e}", operation.method))?;
        let mut url = reqwest::Url::parse(&format!("{base_url}{}", operation.path))
            .map_err(|e| format!("request URL: {e}"))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut request = reqwest::Request::new(method, url);
        let mut held = None;
        let accept = if operation.binary_response {
            "*/*"
        } else {
            "application/json"
        };
        let headers = request.headers_mut();
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static(accept),
        );
        let content_type = |value: String| {
            reqwest::header::HeaderValue::from_str(&value).map_err(|e| format!("content type: {e}"))
        };
        match payload {
            Payload::None => {}
            Payload::Json(bytes) => {
                headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    reqwest::header::HeaderValue::from_static("application/json"),
                );
                *request.body_mut() = Some(bytes.into());
            }
            Payload::Multipart {
                content_type: ct,
                body,
            } => {
                headers.insert(reqwest::header::CONTENT_TYPE, content_type(ct)?);
                *request.body_mut() = Some(body.into());
            }
            Payload::MultipartStream {
                content_type: ct,
                body,
                len,
            } => {
                headers.insert(reqwest::header::CONTENT_TYPE, content_type(ct)?);
                if let Some(len) = len {
                    headers.insert(reqwest::header::CONTENT_LENGTH, len.into());
                }
                let stream = HeldStream::new(body);
                *request.body_mut() = Some(stream.body());
                held = Some(stream);
            }
        }
        Ok(Self {
            operation,
            request,
            pacing,
            held,
        })
    }

    /// A request the generated code built for `operation_id`. Pacing keys
    /// are read back from its JSON body only when pacing is on (the facade
    /// knows them; here the body is all there is).
    pub(crate) fn generated(request: reqwest::Request, operation_id: &str, pacing: bool) -> Self {
        let operation = spec::operation(operation_id).unwrap_or(&UNLISTED);
        let pacing = if pacing {
            PacingKeys::read(&request)
        } else {
            None
        };
        Self {
            operation,
            request,
            pacing,
            held: None,
        }
    }

    /// Whether sending it twice does no harm (GET and the like).
    pub(crate) fn idempotent(&self) -> bool {
        matches!(
            *self.request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        )
    }

    /// Whether it carries media up: a multipart body, or any streamed one.
    /// Its time depends on its size and the link, so no overall deadline
    /// applies; its progress is watched instead.
    pub(crate) fn is_upload(&self) -> bool {
        let multipart = self
            .request
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"multipart/"));
        multipart || self.is_streamed()
    }

    /// Whether its body is a stream.
    pub(crate) fn is_streamed(&self) -> bool {
        self.request.body().is_some_and(|b| b.as_bytes().is_none())
    }
}

/// What makes another attempt of a request: its body in memory, or its
/// held stream while no attempt has read from it.
pub(crate) struct Replay {
    held: Option<HeldStream>,
}

impl Replay {
    pub(crate) fn new(held: Option<HeldStream>) -> Self {
        Self { held }
    }

    /// A copy of `request` for the next attempt, made before this one goes
    /// out; `None` when its body cannot be sent again at all (a stream the
    /// generated code built).
    pub(crate) fn spare(&self, request: &reqwest::Request) -> Option<reqwest::Request> {
        let Some(held) = &self.held else {
            return request.try_clone();
        };
        let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
        *copy.headers_mut() = request.headers().clone();
        *copy.timeout_mut() = request.timeout().copied();
        *copy.version_mut() = request.version();
        *copy.body_mut() = Some(held.body());
        Some(copy)
    }

    /// Whether the spare can go: always for a body in memory; for a held
    /// stream, only while no attempt has read from it (nothing of it left).
    pub(crate) fn replayable(&self, spare: &Option<reqwest::Request>) -> bool {
        spare.is_some() && self.held.as_ref().is_none_or(HeldStream::intact)
    }
}

impl PacingKeys {
    /// From a JSON send body: `source` and `to`, `recipient` or `destination`.
    fn read(request: &reqwest::Request) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct Body {
            source: String,
            #[serde(default)]
            to: Option<String>,
            #[serde(default)]
            recipient: Option<String>,
            #[serde(default)]
            destination: Vec<String>,
        }
        let body: Body = serde_json::from_slice(request.body()?.as_bytes()?).ok()?;
        let mut recipients = body.destination;
        // Meta: `to` wins when both are given.
        recipients.extend(body.to.or(body.recipient));
        (!recipients.is_empty()).then_some(Self {
            source: body.source,
            recipients,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, content_type: Option<&str>, body: Option<&str>) -> reqwest::Request {
        let mut request = reqwest::Request::new(
            method,
            reqwest::Url::parse("http://127.0.0.1/messages").unwrap(),
        );
        if let Some(ct) = content_type {
            request.headers_mut().insert(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_str(ct).unwrap(),
            );
        }
        *request.body_mut() = body.map(|b| b.to_owned().into());
        request
    }

    #[test]
    fn pacing_keys_are_read_back_from_a_generated_send_body() {
        let keys = |body: &str| PacingKeys::read(&request(Method::POST, None, Some(body)));
        let one = keys(r#"{"source":"6421000001","to":"+64211234567","type":"text"}"#).unwrap();
        assert_eq!(one.source, "6421000001");
        assert_eq!(one.recipients, ["+64211234567"]);
        let many = keys(r#"{"source":"6421000001","destination":["+6421a","+6421b"]}"#).unwrap();
        assert_eq!(many.recipients, ["+6421a", "+6421b"]);
        // Not a send: nothing to pace on.
        for body in [
            "not json",
            r#"{"to":"+64211234567"}"#,
            r#"{"source":"6421000001"}"#,
            r#"{"source":7,"to":"+64211234567"}"#,
        ] {
            assert!(keys(body).is_none(), "{body}");
        }
        assert!(PacingKeys::read(&request(Method::GET, None, None)).is_none());
        // Only when pacing is on.
        let generated = |pacing| {
            Prepared::generated(
                request(Method::POST, None, Some(r#"{"source":"1","to":"+2"}"#)),
                "PostMessages",
                pacing,
            )
        };
        assert!(generated(true).pacing.is_some());
        assert!(generated(false).pacing.is_none());
        assert_eq!(generated(false).operation.id, "PostMessages");
    }

    #[test]
    fn idempotence_and_uploads_are_told_by_method_and_body() {
        let prepared = |method, ct, body| Prepared {
            operation: &UNLISTED,
            request: request(method, ct, body),
            pacing: None,
            held: None,
        };
        assert!(prepared(Method::GET, None, None).idempotent());
        assert!(prepared(Method::DELETE, None, None).idempotent());
        assert!(!prepared(Method::POST, None, Some("{}")).idempotent());
        assert!(!prepared(Method::PATCH, None, Some("{}")).idempotent());
        let json = prepared(Method::POST, Some("application/json"), Some("{}"));
        assert!(!json.is_upload() && !json.is_streamed());
        let multipart = prepared(
            Method::POST,
            Some("multipart/form-data; boundary=x"),
            Some("--x--"),
        );
        assert!(multipart.is_upload() && !multipart.is_streamed());
        let mut streamed = prepared(Method::POST, Some("application/octet-stream"), None);
        let chunks =
            futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"x"))]);
        *streamed.request.body_mut() = Some(reqwest::Body::wrap_stream(chunks));
        assert!(streamed.is_upload() && streamed.is_streamed());
        // An operation the spec lacks still gets a total answer.
        let unknown =
            Prepared::generated(request(Method::GET, None, None), "NoSuchOperation", true);
        assert_eq!(unknown.operation.id, "unlisted");
    }
}
