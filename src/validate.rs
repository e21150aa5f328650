//! Small checks shared by the message builders, each naming the field it
//! found wrong.

use crate::error::ValidationError;

pub(crate) type Checked = Result<(), ValidationError>;

pub(crate) fn fail(field: impl Into<String>, reason: impl Into<String>) -> Checked {
    Err(ValidationError::new(field, reason))
}

/// E.164 with the leading `+`: a non-zero first digit, 7 to 15 digits in all.
pub(crate) fn e164(field: &str, number: &str) -> Checked {
    let digits = number.strip_prefix('+').unwrap_or("");
    let ok = (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        fail(
            field,
            format!("{number:?} is not an E.164 number like +64211234567"),
        )
    }
}

/// Not empty (after trimming) and at most `max` characters.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Checked {
    if value.trim().is_empty() {
        return fail(field, "must not be empty");
    }
    max_len(field, value, max)
}

/// At most `max` characters (Unicode scalar values, as WhatsApp counts).
pub(crate) fn max_len(field: &str, value: &str, max: usize) -> Checked {
    let n = value.chars().count();
    if n > max {
        return fail(field, format!("is {n} characters long; the limit is {max}"));
    }
    Ok(())
}

/// Whether `value` holds an emoji: a pictograph, a dingbat, a flag or an
/// emoji presentation selector (the blocks Unicode's emoji data draws from).
pub(crate) fn has_emoji(value: &str) -> bool {
    value.chars().any(|c| {
        matches!(u32::from(c),
            0x1F000..=0x1FAFF // pictographs, emoticons, transport, flags, symbols
            | 0x2600..=0x27BF // miscellaneous symbols and dingbats
            | 0x2300..=0x23FF // technical (⌚, ⏰…)
            | 0x2B00..=0x2BFF // arrows and shapes (⭐, ⬛…)
            | 0xFE0F | 0x200D // emoji presentation and joiner
        )
    })
}

/// An absolute `http` or `https` URL with a host, parsed.
fn absolute_http_url(value: &str) -> Option<url::Url> {
    url::Url::parse(value)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// An absolute `http` or `https` URL.
pub(crate) fn url(field: &str, value: &str) -> Checked {
    match absolute_http_url(value) {
        Some(_) => Ok(()),
        None => fail(field, format!("{value:?} is not an absolute http(s) URL")),
    }
}

/// A media id or source on `GET /media`: letters and digits, at most 255 (the spec's pattern).
pub(crate) fn media_key(field: &str, value: &str) -> Checked {
    if !value.is_empty() && value.len() <= 255 && value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        fail(
            field,
            format!("{value:?} must be 1 to 255 letters or digits"),
        )
    }
}

/// A sending source number: digits only, no leading zero, at most 30.
pub(crate) fn source(field: &str, value: &str) -> Checked {
    let ok = !value.is_empty()
        && value.len() <= 30
        && value.bytes().all(|b| b.is_ascii_digit())
        && !value.starts_with('0');
    if ok {
        Ok(())
    } else {
        fail(
            field,
            format!("{value:?} is not a source number (digits, no leading zero, at most 30)"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_sources_texts_urls_and_media_keys() {
        for (number, ok) in [
            ("+64211234567", true),
            ("+1234567", true),
            ("+123456789012345", true),
            ("+1234567890123456", false),
            ("64211234567", false),
            ("+0211234567", false),
            ("+64 21 123", false),
            ("+", false),
        ] {
            assert_eq!(e164("to", number).is_ok(), ok, "{number}");
        }
        assert!(source("s", "6421000001").is_ok());
        for bad in ["", "0642", "64a", &"6".repeat(31)] {
            assert_eq!(source("s", bad).unwrap_err().field, "s", "{bad}");
        }
        assert!(text("t", "  ", 5).is_err());
        assert!(text("t", "ééééé", 5).is_ok(), "characters, not bytes");
        assert!(text("t", "éééééé", 5).is_err());
        assert!(url("u", "https://example.com/a.jpg").is_ok());
        for bad in ["ftp://example.com/a", "/relative", "https://", "not a url"] {
            assert!(url("u", bad).is_err(), "{bad}");
        }
        assert!(media_key("m", "abc123").is_ok());
        assert!(media_key("m", "abc-123").is_err());
        assert!(media_key("m", "").is_err());
    }
}
