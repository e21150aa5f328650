//! The operations the facade wraps, by method and path: one table for the
//! client, the sandbox and the tests, each route found in the built spec at
//! run time (so the crate builds against any spec; a route the spec lacks is
//! [`crate::Error::Unsupported`] when called).

use super::{OPERATIONS, Operation};

/// An operation of the WAB API the facade wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// `POST /messages`: send one message.
    SendMessage,
    /// `POST /messages/broadcast`: one message to several recipients.
    SendBroadcast,
    /// `GET /messages`: look a message up by id.
    GetMessage,
    /// `POST /media`: upload a media file (multipart).
    UploadMedia,
    /// `GET /media`: download a media file.
    DownloadMedia,
    /// `POST /source`: register a business number.
    RegisterSource,
    /// `GET /source`: list the account's business numbers.
    ListSources,
    /// `GET /status`: the gateway's status.
    GetStatus,
}

impl Route {
    /// Every route.
    pub const ALL: [Route; 8] = [
        Route::SendMessage,
        Route::SendBroadcast,
        Route::GetMessage,
        Route::UploadMedia,
        Route::DownloadMedia,
        Route::RegisterSource,
        Route::ListSources,
        Route::GetStatus,
    ];

    /// The HTTP method.
    pub const fn method(self) -> &'static str {
        match self {
            Route::SendMessage
            | Route::SendBroadcast
            | Route::UploadMedia
            | Route::RegisterSource => "POST",
            Route::GetMessage | Route::DownloadMedia | Route::ListSources | Route::GetStatus => {
                "GET"
            }
        }
    }

    /// The path below the base URL.
    pub const fn path(self) -> &'static str {
        match self {
            Route::SendMessage | Route::GetMessage => "/messages",
            Route::SendBroadcast => "/messages/broadcast",
            Route::UploadMedia | Route::DownloadMedia => "/media",
            Route::RegisterSource | Route::ListSources => "/source",
            Route::GetStatus => "/status",
        }
    }

    /// The operation of the built spec at this method and path, if it has one.
    pub fn operation(self) -> Option<&'static Operation> {
        OPERATIONS
            .iter()
            .find(|op| op.method.eq_ignore_ascii_case(self.method()) && op.path == self.path())
    }

    /// The route at `method` `path`, if the facade wraps one there.
    pub fn of(method: &str, path: &str) -> Option<Route> {
        Route::ALL
            .into_iter()
            .find(|r| r.method().eq_ignore_ascii_case(method) && r.path() == path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_found_in_the_built_spec_and_back() {
        for route in Route::ALL {
            let op = route.operation().expect("the shipped spec has every route");
            assert_eq!(Route::of(op.method, op.path), Some(route));
        }
        assert_eq!(Route::of("get", "/status"), Some(Route::GetStatus));
        assert_eq!(Route::of("DELETE", "/status"), None);
    }
}
