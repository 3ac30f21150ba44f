//! Claims validation (semantics §4), after the signature is good.

use crate::error::{malformed, Error, ErrorKind, Result};
use crate::json::{ArrayRef, ObjectRef, OwnedDoc, ValueRef};

/// Largest accepted time claim (2^53 − 1).
const MAX_TIME: f64 = 9_007_199_254_740_991.0;

/// Claims settings of a validator (already checked).
#[derive(Clone, Debug)]
pub struct ClaimsConfig {
    pub issuers: Option<Vec<String>>,
    /// `None`: audience not checked (danger_skip_audience).
    pub audiences: Option<Vec<String>>,
    pub leeway: f64,
    pub required: Vec<String>,
    /// Normalized (lowercase, without `application/`).
    pub typ: Option<String>,
}

/// Lowercase ASCII, then drop one leading `application/`.
pub fn normalize_typ(typ: &str) -> String {
    let lower = typ.to_ascii_lowercase();
    match lower.strip_prefix("application/") {
        Some(rest) => rest.to_owned(),
        None => lower,
    }
}

fn claim_type(message: &'static str) -> Error {
    Error::new(ErrorKind::ClaimType, message)
}

/// A time claim as a double, or `claim_type`.
fn time_value(v: ValueRef<'_>) -> Result<f64> {
    let t = match v {
        ValueRef::Int(i) if i >= 0 => i as f64,
        ValueRef::UInt(u) => u as f64,
        ValueRef::Float(f) => f,
        _ => return Err(claim_type("exp/nbf/iat must be a number in 0..=2^53-1")),
    };
    if (0.0..=MAX_TIME).contains(&t) {
        Ok(t)
    } else {
        Err(claim_type("exp/nbf/iat must be a number in 0..=2^53-1"))
    }
}

fn all_strings(items: ArrayRef<'_>) -> bool {
    items.iter().all(|v| matches!(v, ValueRef::String(_)))
}

#[derive(Default)]
struct Registered<'a> {
    exp: Option<f64>,
    nbf: Option<f64>,
    iat: Option<f64>,
    iss: Option<&'a str>,
    aud: Option<ValueRef<'a>>,
    scope: Option<&'a str>,
    scp: Option<ArrayRef<'a>>,
    /// sub, jti, client_id seen (type-checked; values not needed).
    sub: bool,
    jti: bool,
    client_id: bool,
}

impl Registered<'_> {
    /// Presence of a registered claim, `None` for other names.
    fn has(&self, name: &str) -> Option<bool> {
        Some(match name {
            "exp" => self.exp.is_some(),
            "nbf" => self.nbf.is_some(),
            "iat" => self.iat.is_some(),
            "iss" => self.iss.is_some(),
            "aud" => self.aud.is_some(),
            "scope" => self.scope.is_some(),
            "scp" => self.scp.is_some(),
            "sub" => self.sub,
            "jti" => self.jti,
            "client_id" => self.client_id,
            _ => return None,
        })
    }
}

/// Step 3: pick out and type-check the registered claims in one pass.
fn registered(claims: ObjectRef<'_>) -> Result<Registered<'_>> {
    let mut r = Registered::default();
    for (name, value) in claims.iter() {
        match name {
            "exp" => r.exp = Some(time_value(value)?),
            "nbf" => r.nbf = Some(time_value(value)?),
            "iat" => r.iat = Some(time_value(value)?),
            "iss" | "sub" | "jti" | "client_id" | "scope" => {
                let ValueRef::String(s) = value else {
                    return Err(claim_type("iss/sub/jti/client_id/scope must be strings"));
                };
                match name {
                    "iss" => r.iss = Some(s),
                    "scope" => r.scope = Some(s),
                    "sub" => r.sub = true,
                    "jti" => r.jti = true,
                    _ => r.client_id = true,
                }
            }
            "aud" => {
                let ok = match value {
                    ValueRef::String(_) => true,
                    ValueRef::Array(items) => all_strings(items),
                    _ => false,
                };
                if !ok {
                    return Err(claim_type("aud must be a string or a list of strings"));
                }
                r.aud = Some(value);
            }
            "scp" => match value {
                ValueRef::Array(items) if all_strings(items) => r.scp = Some(items),
                _ => return Err(claim_type("scp must be a list of strings")),
            },
            _ => {}
        }
    }
    Ok(r)
}

fn missing(name: &str) -> Error {
    Error::owned(
        ErrorKind::MissingClaim,
        format!("required claim {name:?} is missing"),
    )
}

/// Steps 2–8 on an already parsed payload object and header.
pub fn check(
    config: &ClaimsConfig,
    header: ObjectRef<'_>,
    claims: ObjectRef<'_>,
    scopes: &[String],
    now: f64,
) -> Result<()> {
    if let Some(want) = &config.typ {
        let ok = match header.get("typ") {
            Some(ValueRef::String(typ)) => typ_matches(typ, want),
            _ => false,
        };
        if !ok {
            return Err(Error::new(
                ErrorKind::WrongTokenType,
                "header typ is not the required type",
            ));
        }
    }
    let r = registered(claims)?;
    for name in &config.required {
        let present = r.has(name).unwrap_or_else(|| claims.get(name).is_some());
        if !present {
            return Err(missing(name));
        }
    }
    if config.issuers.is_some() && r.iss.is_none() {
        return Err(missing("iss"));
    }
    if config.audiences.is_some() && r.aud.is_none() {
        return Err(missing("aud"));
    }
    let leeway = config.leeway;
    if let Some(exp) = r.exp {
        if exp <= now - leeway {
            return Err(Error::new(ErrorKind::Expired, "token has expired"));
        }
    }
    if let Some(nbf) = r.nbf {
        if nbf > now + leeway {
            return Err(Error::new(ErrorKind::NotYetValid, "token is not yet valid"));
        }
    }
    if let Some(iat) = r.iat {
        if iat > now + leeway {
            return Err(Error::new(
                ErrorKind::IssuedInFuture,
                "token was issued in the future",
            ));
        }
    }
    if let (Some(issuers), Some(iss)) = (&config.issuers, r.iss) {
        if !issuers.iter().any(|i| i == iss) {
            return Err(Error::new(ErrorKind::BadIssuer, "issuer is not accepted"));
        }
    }
    if let (Some(audiences), Some(aud)) = (&config.audiences, r.aud) {
        let accepted = |a: &str| audiences.iter().any(|x| x == a);
        let ok = match aud {
            ValueRef::String(a) => accepted(a),
            ValueRef::Array(items) => items.iter().any(|v| v.as_str().is_some_and(accepted)),
            _ => false,
        };
        if !ok {
            return Err(Error::new(
                ErrorKind::BadAudience,
                "audience is not accepted",
            ));
        }
    }
    if !scopes.is_empty() {
        let has = |wanted: &str| -> bool {
            if let Some(scope) = r.scope {
                scope.split(' ').any(|s| !s.is_empty() && s == wanted)
            } else if let Some(scp) = r.scp {
                scp.iter().any(|v| v.as_str() == Some(wanted))
            } else {
                false
            }
        };
        if let Some(w) = scopes.iter().find(|w| !has(w)) {
            return Err(Error::owned(
                ErrorKind::InsufficientScope,
                format!("token lacks scope {w:?}"),
            ));
        }
    }
    Ok(())
}

/// `normalize_typ(typ) == want` without allocating.
fn typ_matches(typ: &str, want: &str) -> bool {
    const PREFIX: &str = "application/";
    let t = typ.as_bytes();
    let rest = match t.get(..PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(PREFIX.as_bytes()) => t.get(PREFIX.len()..),
        _ => Some(t),
    };
    rest.is_some_and(|r| r.eq_ignore_ascii_case(want.as_bytes()))
}

/// Step 1: the payload must be a strict JSON object.
pub fn parse_payload(payload: Vec<u8>) -> Result<OwnedDoc> {
    OwnedDoc::parse_object(payload).map_err(|_| malformed("payload is not a strict JSON object"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: f64 = 1_700_000_000.0;

    fn cfg() -> ClaimsConfig {
        ClaimsConfig {
            issuers: Some(vec!["https://issuer.example".into()]),
            audiences: Some(vec!["api://tokensvc".into()]),
            leeway: 30.0,
            required: vec!["exp".into(), "iss".into(), "aud".into()],
            typ: None,
        }
    }

    fn c0() -> String {
        format!(
            r#"{{"iss":"https://issuer.example","aud":"api://tokensvc","sub":"user-1","scope":"read","iat":{t},"nbf":{t},"exp":{e},"jti":"j-1"}}"#,
            t = T as u64,
            e = T as u64 + 300
        )
    }

    fn run_with(
        cfg: &ClaimsConfig,
        header: &str,
        payload: &str,
        scopes: &[&str],
        now: f64,
    ) -> &'static str {
        let header = OwnedDoc::parse_object(header.as_bytes().to_vec()).unwrap();
        let claims = match parse_payload(payload.as_bytes().to_vec()) {
            Ok(c) => c,
            Err(e) => return e.code(),
        };
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        match check(cfg, header.object(), claims.object(), &scopes, now) {
            Ok(()) => "ok",
            Err(e) => e.code(),
        }
    }

    fn run(payload: &str) -> &'static str {
        run_with(&cfg(), "{}", payload, &[], T)
    }

    fn with(field: &str, value: &str) -> String {
        // replace (or append) the member textually
        let mut s = c0();
        s.pop();
        let re_start = s.find(&format!("\"{field}\":"));
        if let Some(start) = re_start {
            let after = &s[start..];
            let end = start + after.find([',', '}']).unwrap_or(after.len());
            s.replace_range(start..end, &format!("\"{field}\":{value}"));
            s.push('}');
        } else {
            s.push_str(&format!(",\"{field}\":{value}}}"));
        }
        s
    }

    #[test]
    fn baseline() {
        assert_eq!(run(&c0()), "ok");
        assert_eq!(run("[]"), "malformed");
        assert_eq!(run("{\"a\":1,\"a\":2}"), "malformed");
    }

    #[test]
    fn br28_types() {
        assert_eq!(run(&with("nbf", "\"99999999999\"")), "claim_type");
        assert_eq!(run(&with("exp", "\"never\"")), "claim_type");
        assert_eq!(run(&with("exp", "{\"t\":1}")), "claim_type");
        assert_eq!(run(&with("exp", "[1]")), "claim_type");
        assert_eq!(run(&with("iat", "\"yesterday\"")), "claim_type");
        assert_eq!(run(&with("exp", "true")), "claim_type");
        assert_eq!(run(&with("exp", "-1")), "claim_type");
        assert_eq!(run(&with("exp", "9007199254740992")), "claim_type");
        assert_eq!(run(&with("exp", "9007199254740991")), "ok");
        assert_eq!(run(&with("exp", "18446744073709551615")), "claim_type");
        assert_eq!(run(&with("exp", "1e300")), "claim_type");
        assert_eq!(run(&with("sub", "1")), "claim_type");
        assert_eq!(run(&with("scp", "\"a b\"")), "claim_type");
        assert_eq!(
            run(&with("iss", "[\"https://issuer.example\"]")),
            "claim_type"
        );
    }

    #[test]
    fn br26_audience() {
        assert_eq!(run(&with("aud", "[\"other-api\"]")), "bad_audience");
        assert_eq!(run(&with("aud", "[]")), "bad_audience");
        assert_eq!(run(&with("aud", "\"\"")), "bad_audience");
        assert_eq!(run(&with("aud", "null")), "claim_type");
        assert_eq!(run(&with("aud", "42")), "claim_type");
        assert_eq!(run(&with("aud", "\"api://tokensvc\"")), "ok");
        assert_eq!(
            run(&with("aud", "[\"other-api\",\"api://tokensvc\"]")),
            "ok"
        );
        let mut skip = cfg();
        skip.audiences = None;
        skip.required = vec!["exp".into()];
        assert_eq!(run_with(&skip, "{}", &with("aud", "\"x\""), &[], T), "ok");
    }

    #[test]
    fn br24_issuer() {
        for iss in [
            "\"http\"",
            "\"issuer\"",
            "\"\"",
            "\"https://issuer.example/\"",
        ] {
            assert_eq!(run(&with("iss", iss)), "bad_issuer");
        }
    }

    #[test]
    fn time_boundaries() {
        let e = T + 300.0;
        let c = c0();
        assert_eq!(run_with(&cfg(), "{}", &c, &[], e + 30.0), "expired");
        assert_eq!(run_with(&cfg(), "{}", &c, &[], e + 29.0), "ok");
        assert_eq!(run_with(&cfg(), "{}", &c, &[], T - 31.0), "not_yet_valid");
        assert_eq!(run_with(&cfg(), "{}", &c, &[], T - 30.0), "ok");
        let iat_future = with("iat", &format!("{}", T as u64 + 100))
            .replace(&format!("\"nbf\":{}", T as u64), "\"nbf\":0");
        assert_eq!(run(&iat_future), "issued_in_future");
    }

    #[test]
    fn required_and_scopes() {
        let no_exp = c0().replace(&format!(",\"exp\":{}", T as u64 + 300), "");
        assert_eq!(run(&no_exp), "missing_claim");
        assert_eq!(run_with(&cfg(), "{}", &c0(), &["read"], T), "ok");
        assert_eq!(
            run_with(&cfg(), "{}", &c0(), &["write"], T),
            "insufficient_scope"
        );
        assert_eq!(
            run_with(
                &cfg(),
                "{}",
                &with("scope", "\" read  write \""),
                &["write", "read"],
                T
            ),
            "ok"
        );
        assert_eq!(
            run_with(&cfg(), "{}", &with("scope", "\"\""), &[""], T),
            "insufficient_scope"
        );
        let scp = c0().replace("\"scope\":\"read\"", "\"scp\":[\"a\",\"b\"]");
        assert_eq!(run_with(&cfg(), "{}", &scp, &["b"], T), "ok");
        assert_eq!(
            run_with(&cfg(), "{}", &scp, &["c"], T),
            "insufficient_scope"
        );
    }

    #[test]
    fn typ() {
        let mut c = cfg();
        c.typ = Some(normalize_typ("at+jwt"));
        assert_eq!(run_with(&c, "{\"typ\":\"at+jwt\"}", &c0(), &[], T), "ok");
        assert_eq!(
            run_with(&c, "{\"typ\":\"application/AT+JWT\"}", &c0(), &[], T),
            "ok"
        );
        assert_eq!(
            run_with(&c, "{\"typ\":\"JWT\"}", &c0(), &[], T),
            "wrong_token_type"
        );
        assert_eq!(run_with(&c, "{}", &c0(), &[], T), "wrong_token_type");
        assert_eq!(
            run_with(&c, "{\"typ\":1}", &c0(), &[], T),
            "wrong_token_type"
        );
    }

    #[test]
    fn required_names_registered_and_other() {
        let mut c = cfg();
        for (names, want) in [
            (vec!["sub", "jti", "scope", "iat", "nbf"], "ok"),
            (vec!["client_id"], "missing_claim"),
            (vec!["scp"], "missing_claim"),
            (vec!["x-extra"], "ok"),
            (vec!["x-other"], "missing_claim"),
            (vec!["sub", "azp"], "missing_claim"),
        ] {
            c.required = names.iter().map(|s| s.to_string()).collect();
            let payload = with("x-extra", "null");
            assert_eq!(run_with(&c, "{}", &payload, &[], T), want, "{names:?}");
        }
    }

    #[test]
    fn typ_matches_normalize() {
        let cases = [
            "at+jwt",
            "AT+JWT",
            "application/at+jwt",
            "Application/At+Jwt",
            "application/application/at+jwt",
            "application/",
            "applicatio",
            "",
            "JWT",
            "application/jwt",
            "\u{e9}t+jwt",
            "\u{c9}T+JWT",
            "application/\u{e9}",
        ];
        for typ in cases {
            for want in cases {
                let want = normalize_typ(want);
                assert_eq!(
                    typ_matches(typ, &want),
                    normalize_typ(typ) == want,
                    "{typ:?} vs {want:?}"
                );
            }
        }
    }
}
