//! Prometheus' answers: the `{status, data, errorType, error}` envelope, its result types, and
//! sample values written as strings ("NaN", "+Inf" and "-Inf" included).

use crate::backend::BackendError;
use crate::domain::Timestamp;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One value at one instant. `value` may be NaN or infinite: Prometheus says so for `0/0`,
/// division by zero and quantiles beyond the last bucket, and we keep what it said.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(try_from = "(f64, String)")]
pub struct Sample {
    pub at: Timestamp,
    pub value: f64,
}

impl TryFrom<(f64, String)> for Sample {
    type Error = String;

    fn try_from((secs, text): (f64, String)) -> Result<Self, Self::Error> {
        let at = Timestamp::from_timestamp_millis((secs * 1000.0).round() as i64)
            .ok_or_else(|| format!("time {secs} is out of range"))?;
        let value = parse_value(&text).ok_or_else(|| format!("{text:?} is not a number"))?;
        Ok(Self { at, value })
    }
}

/// Prometheus' float formatting: Go's, with `NaN`, `+Inf` and `-Inf`.
pub fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        other => other.parse().ok().filter(|v: &f64| v.is_finite()),
    }
}

pub type Labels = BTreeMap<String, String>;

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct InstantSeries {
    #[serde(default)]
    pub metric: Labels,
    pub value: Sample,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RangeSeries {
    #[serde(default)]
    pub metric: Labels,
    /// Absent for a series with native histograms only.
    #[serde(default)]
    pub values: Vec<Sample>,
}

/// The `data` of a successful query.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
pub enum QueryData {
    Vector(Vec<InstantSeries>),
    Matrix(Vec<RangeSeries>),
    Scalar(Sample),
    String((f64, String)),
}

impl QueryData {
    /// Every series as a list of samples, whatever the shape (a scalar is one unlabelled
    /// series). A string result is not a number and is refused.
    pub fn into_series(self) -> Result<Vec<RangeSeries>, BackendError> {
        Ok(match self {
            Self::Matrix(series) => series,
            Self::Vector(samples) => samples
                .into_iter()
                .map(|s| RangeSeries {
                    metric: s.metric,
                    values: vec![s.value],
                })
                .collect(),
            Self::Scalar(sample) => vec![RangeSeries {
                metric: Labels::new(),
                values: vec![sample],
            }],
            Self::String(_) => {
                return Err(BackendError::invalid(
                    "the query answers a string, not a number",
                ));
            }
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<QueryData>,
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

/// Reads one answer of `/api/v1/query` or `/api/v1/query_range`, typing its errors:
/// a query Prometheus refuses (`bad_data`, `execution`) is `Invalid` with Prometheus' own
/// text; timeouts and an unavailable server are `Transient`.
pub fn read_answer(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<QueryData, BackendError> {
    let envelope = match crate::net::decode_json::<Envelope>(body, "Prometheus answer") {
        Ok(envelope) => envelope,
        // A 2xx that is not Prometheus' envelope: say where it failed.
        Err(error) if status.is_success() => return Err(error),
        // A proxy's or load balancer's page: the status says what happened.
        Err(_) => {
            let detail = crate::net::excerpt(body);
            return Err(crate::net::error_for_status(
                status, headers, &detail, "query",
            ));
        }
    };
    for warning in &envelope.warnings {
        tracing::debug!(%warning, "Prometheus warning");
    }
    if envelope.status != "success" {
        let text = envelope.error.unwrap_or_else(|| "no error text".to_owned());
        return Err(match envelope.error_type.as_deref() {
            Some("bad_data" | "execution") => {
                BackendError::invalid(format!("Prometheus refused the query: {text}"))
            }
            Some("timeout" | "canceled" | "unavailable" | "internal") => {
                BackendError::transient(format!("Prometheus: {text}"))
            }
            _ if status.is_success() => BackendError::transient(format!("Prometheus: {text}")),
            _ => crate::net::error_for_status(status, headers, &text, "query"),
        });
    }
    envelope.data.ok_or_else(|| BackendError::Decode {
        message: "Prometheus answered success without data".to_owned(),
        excerpt: Some(crate::net::excerpt(body)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> Result<QueryData, BackendError> {
        read_answer(StatusCode::OK, &HeaderMap::new(), body.as_bytes())
    }

    #[test]
    fn special_values_are_read() {
        let data = ok(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"a":"b"},"values":[[1700000000,"1.5"],[1700000001.5,"NaN"],
            [1700000002,"+Inf"],[1700000003,"-Inf"]]}]}}"#,
        )
        .unwrap();
        let QueryData::Matrix(series) = data else {
            panic!("matrix expected")
        };
        let v = &series[0].values;
        assert_eq!(series[0].metric["a"], "b");
        assert_eq!(v[0].value, 1.5);
        assert_eq!(v[1].at.timestamp_millis(), 1_700_000_001_500);
        assert!(v[1].value.is_nan());
        assert_eq!(v[2].value, f64::INFINITY);
        assert_eq!(v[3].value, f64::NEG_INFINITY);
    }

    #[test]
    fn vector_and_scalar_become_series() {
        let vector = ok(
            r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{},"value":[1700000000,"0.25"]}]}}"#,
        )
        .unwrap();
        assert_eq!(vector.into_series().unwrap()[0].values[0].value, 0.25);
        let scalar = ok(
            r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"NaN"]}}"#,
        )
        .unwrap();
        assert!(scalar.into_series().unwrap()[0].values[0].value.is_nan());
        let string =
            ok(r#"{"status":"success","data":{"resultType":"string","result":[1700000000,"x"]}}"#)
                .unwrap();
        assert!(matches!(
            string.into_series(),
            Err(BackendError::Invalid { .. })
        ));
    }

    #[test]
    fn refused_queries_carry_prometheus_text() {
        let err = read_answer(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            BackendError::invalid("Prometheus refused the query: 1:5: parse error: unexpected")
        );
        let err = read_answer(
            StatusCode::SERVICE_UNAVAILABLE,
            &HeaderMap::new(),
            br#"{"status":"error","errorType":"timeout","error":"query timed out"}"#,
        )
        .unwrap_err();
        assert!(matches!(err, BackendError::Transient { .. }));
    }

    #[test]
    fn a_proxy_page_is_typed_by_status() {
        let err = read_answer(
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            b"<html>login</html>",
        )
        .unwrap_err();
        assert!(matches!(err, BackendError::Unauthorized { .. }));
        let err = read_answer(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>502</html>",
        )
        .unwrap_err();
        assert!(matches!(err, BackendError::Transient { .. }));
        let err = read_answer(StatusCode::OK, &HeaderMap::new(), b"<html>hi</html>").unwrap_err();
        assert!(matches!(err, BackendError::Decode { .. }));
    }

    #[test]
    fn a_bad_value_names_its_place() {
        let err = ok(
            r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{},"value":[1700000000,"lots"]}]}}"#,
        )
        .unwrap_err();
        match err {
            BackendError::Decode { message, .. } => {
                assert!(message.contains("not a number"), "{message}");
                assert!(message.contains("data.result[0].value"), "{message}");
            }
            other => panic!("expected Decode, got {other:?}"),
        }
    }
}
