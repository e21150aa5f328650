//! The build's spec normalizer and generator, rule by rule, on small fixture
//! specs, plus the fixture shaped like Modica's spec 1.2.0.

#[path = "../../build/generate.rs"]
#[allow(dead_code)]
mod generate;
#[path = "../../build/normalize.rs"]
mod normalize;
#[path = "../../build/report.rs"]
mod report;
#[path = "../../build/responses.rs"]
mod responses;
#[path = "../../src/spec/walk.rs"]
#[allow(dead_code)]
mod walk;

use normalize::{RULES, normalize};
use serde_json::{Value, json};

fn spec(yaml: &str) -> Value {
    generate::parse_spec(yaml).expect("fixture parses")
}

/// A minimal valid spec with `paths` replaced.
fn with_paths(paths: &str) -> Value {
    let mut s = spec("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n");
    s["paths"] = spec(paths);
    s
}

fn fired(report: &normalize::Report) -> Vec<&'static str> {
    report.rules_fired()
}

fn generates(s: Value) -> String {
    match generate::generate(s, "fixture.yaml") {
        Ok(g) => g.code,
        Err(e) => panic!("generation failed: {e}"),
    }
}

#[test]
fn every_rule_is_documented_once_and_every_documented_rule_exists() {
    let mut names: Vec<&str> = RULES.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), RULES.len(), "a rule is documented twice");
    // The rules the code applies: every `report.add("<rule>", …)` of the build.
    let source = [
        include_str!("../../build/normalize.rs"),
        include_str!("../../build/responses.rs"),
    ]
    .concat();
    let mut applied: Vec<&str> = source
        .split(".add(")
        .skip(1)
        .filter_map(|rest| rest.trim_start().strip_prefix('"')?.split('"').next())
        .collect();
    applied.sort_unstable();
    applied.dedup();
    // The others are checks that fail the build rather than rewrite.
    let checks: Vec<&str> = RULES
        .iter()
        .filter(|(_, what)| what.contains("fails the build"))
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(checks, ["openapi-version", "external-ref"]);
    let mut documented: Vec<&str> = names.into_iter().filter(|n| !checks.contains(n)).collect();
    documented.sort_unstable();
    assert_eq!(
        applied, documented,
        "rules applied in build/ vs. rules documented in RULES"
    );
}

#[test]
fn regex_written_under_format_moves_to_pattern() {
    let mut s = with_paths(
        r#"
/media:
  get:
    operationId: GetMedia
    parameters:
      - {name: source, in: query, required: true, schema: {type: string, maxLength: 30, format: '^[1-9]{1}[0-9]*$'}}
      - {name: when, in: query, schema: {type: string, format: date-time}}
    responses:
      '200': {description: ok}
"#,
    );
    let report = normalize(&mut s).unwrap();
    assert_eq!(fired(&report), ["regex-in-format"]);
    let p = &s["paths"]["/media"]["get"]["parameters"];
    assert_eq!(p[0]["schema"]["pattern"], "^[1-9]{1}[0-9]*$");
    assert!(p[0]["schema"].get("format").is_none());
    assert_eq!(p[1]["schema"]["format"], "date-time", "real formats stay");
    let code = generates(s);
    assert!(
        code.contains("^[1-9]{1}[0-9]*$"),
        "the pattern is enforced by the generated type"
    );
}

#[test]
fn multipart_operations_are_left_to_hand_written_code() {
    let mut s = spec(
        r#"
openapi: 3.0.1
info: {title: t, version: '1'}
paths:
  /media:
    post:
      operationId: PostMedia
      requestBody: {$ref: '#/components/requestBodies/Upload'}
      responses:
        '200': {description: ok}
    get:
      operationId: GetMedia
      responses:
        '200': {description: ok}
components:
  requestBodies:
    Upload:
      content:
        multipart/form-data:
          schema: {type: object, properties: {file: {type: string, format: binary}}}
"#,
    );
    let report = normalize(&mut s).unwrap();
    assert_eq!(fired(&report), ["hand-written-body"]);
    assert_eq!(report.hand_written[0].0, "PostMedia");
    assert!(s["paths"]["/media"].get("post").is_none());
    assert!(s["paths"]["/media"].get("get").is_some());
    assert_eq!(
        report.operations.len(),
        2,
        "hand-written operations are still listed"
    );
    assert!(generates(s).contains("fn get_media"));
}

#[test]
fn different_error_schemas_become_one_union_most_specific_first() {
    let mut s = spec(
        r#"
openapi: 3.0.1
info: {title: t, version: '1'}
paths:
  /things:
    post:
      operationId: PostThings
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {a: {type: string}}}
      responses:
        '202': {description: ok, content: {application/json: {schema: {type: array, items: {type: object}}}}}
        '400': {$ref: '#/components/responses/Bad'}
        '422': {$ref: '#/components/responses/Invalid'}
        '429': {description: slow down}
        4XX: {$ref: '#/components/responses/Bad'}
components:
  responses:
    Bad:
      description: bad
      content: {application/json: {schema: {$ref: '#/components/schemas/Plain'}}}
    Invalid:
      description: invalid
      content: {application/json: {schema: {$ref: '#/components/schemas/Fields'}}}
  schemas:
    Plain:
      type: object
      properties: {error: {type: string}, message: {type: string}, statusCode: {type: integer}}
    Fields:
      type: object
      required: [errors]
      properties:
        errors: {type: array, items: {type: object, properties: {field: {type: string}}}}
"#,
    );
    let report = normalize(&mut s).unwrap();
    let rules = fired(&report);
    assert!(
        rules.contains(&"inline-response-ref")
            && rules.contains(&"bodyless-error")
            && rules.contains(&"union-responses"),
        "{rules:?}"
    );
    let responses = &s["paths"]["/things"]["post"]["responses"];
    assert!(responses.get("429").is_none(), "body-less error dropped");
    let union = &s["components"]["schemas"]["PostThingsErrorBody"]["oneOf"];
    assert_eq!(
        union[0]["$ref"], "#/components/schemas/Fields",
        "required fields first"
    );
    assert_eq!(union[1]["$ref"], "#/components/schemas/Plain");
    for code in ["400", "422", "4XX"] {
        assert_eq!(
            responses[code]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/PostThingsErrorBody"
        );
    }
    // progenitor 0.15.1 needs one error type per operation (it panics otherwise); this generates.
    assert!(generates(s).contains("PostThingsErrorBody"));
}

#[test]
fn default_problem_json_and_untyped_binary_are_rewritten() {
    let mut s = with_paths(
        r#"
/files:
  get:
    responses:
      '200':
        description: file
        content:
          application/octet-stream: {schema: {type: string}}
      default:
        description: problem
        content:
          application/problem+json:
            schema: {type: object, properties: {title: {type: string}}}
"#,
    );
    let report = normalize(&mut s).unwrap();
    let rules = fired(&report);
    for r in [
        "operation-id",
        "json-media-type",
        "binary-body",
        "default-response",
    ] {
        assert!(rules.contains(&r), "{r} in {rules:?}");
    }
    let op = &s["paths"]["/files"]["get"];
    assert_eq!(op["operationId"], "get_files");
    assert!(op["responses"].get("default").is_none());
    assert!(
        op["responses"]["4XX"]["content"]
            .get("application/json")
            .is_some()
    );
    assert!(op["responses"]["5XX"].is_object());
    assert_eq!(
        op["responses"]["200"]["content"]["application/octet-stream"]["schema"]["format"],
        "binary"
    );
    assert!(report.operations[0].binary_response);
    assert!(generates(s).contains("ByteStream"));
}

#[test]
fn several_media_types_keep_json() {
    let mut s = with_paths(
        r#"
/x:
  get:
    operationId: GetX
    responses:
      '200':
        description: x
        content:
          text/plain: {schema: {type: string}}
          application/json: {schema: {type: object, properties: {a: {type: string}}}}
"#,
    );
    let report = normalize(&mut s).unwrap();
    assert_eq!(fired(&report), ["one-media-type"]);
    let content = s["paths"]["/x"]["get"]["responses"]["200"]["content"]
        .as_object()
        .unwrap();
    assert_eq!(content.keys().collect::<Vec<_>>(), ["application/json"]);
    generates(s);
}

#[test]
fn colliding_property_names_keep_the_first() {
    let mut s = spec(
        r#"
openapi: 3.0.1
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Mo:
      type: object
      properties:
        Destination: {type: string}
        destination: {type: string}
        id: {type: string}
"#,
    );
    let report = normalize(&mut s).unwrap();
    assert_eq!(fired(&report), ["colliding-properties"]);
    let props = s["components"]["schemas"]["Mo"]["properties"]
        .as_object()
        .unwrap();
    assert!(props.contains_key("Destination") && !props.contains_key("destination"));
    generates(s);
}

#[test]
fn api_version_header_is_noticed_when_declared() {
    let mut s = with_paths(
        r#"
/x:
  get:
    operationId: GetX
    parameters: [{name: api-version, in: header, required: true, schema: {type: string}}]
    responses: {'200': {description: ok}}
"#,
    );
    assert!(normalize(&mut s).unwrap().declares_api_version_header);
    let mut plain =
        with_paths("/x: {get: {operationId: GetX, responses: {'200': {description: ok}}}}");
    assert!(!normalize(&mut plain).unwrap().declares_api_version_header);
}

#[test]
fn unsupported_versions_and_external_refs_fail_with_the_place_and_the_fix() {
    let mut v31 = spec("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n");
    let e = normalize(&mut v31).unwrap_err();
    assert_eq!(e.path, "/openapi");
    assert!(
        e.message.contains("3.1.0") && e.message.contains("convert"),
        "{e}"
    );

    let mut swagger = spec("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n");
    assert!(
        normalize(&mut swagger)
            .unwrap_err()
            .message
            .contains("Swagger 2.0")
    );

    let mut external = with_paths(
        "/x: {get: {operationId: GetX, responses: {'200': {$ref: 'common.yaml#/responses/Ok'}}}}",
    );
    let e = normalize(&mut external).unwrap_err();
    assert_eq!(e.path, "/paths/~1x/get/responses/200");
    assert!(e.message.contains("inline"), "{e}");

    let e = generate::generate(v31, "openapi/new.yaml").err().unwrap();
    assert!(
        e.starts_with("openapi/new.yaml"),
        "the message names the file: {e}"
    );
}

#[test]
fn a_construct_progenitor_cannot_handle_is_an_error_not_a_panic() {
    // Cookie parameters are not supported by progenitor 0.15.1.
    let s = with_paths(
        r#"
/x:
  get:
    operationId: GetX
    parameters: [{name: session, in: cookie, required: true, schema: {type: string}}]
    responses: {'200': {description: ok}}
"#,
    );
    let e = generate::generate(s, "openapi/odd.yaml")
        .err()
        .expect("generation must fail");
    assert!(
        e.starts_with("openapi/odd.yaml") && e.contains("progenitor"),
        "{e}"
    );
}

#[test]
fn the_spec_shaped_like_1_2_0_generates() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/specs/modica-1.2.0.yaml"
    );
    let s = generate::load_spec(std::path::Path::new(path)).unwrap();
    let g = generate::generate(s, path).unwrap();
    assert_eq!(g.version, "1.2.0");
    assert!(g.code.contains("fn post_messages") && g.code.contains("fn get_media"));
    assert!(
        !g.code.contains("fn post_media"),
        "multipart upload is hand-written"
    );
    assert!(g.report.rules_fired().contains(&"binary-body"));
    assert_eq!(g.report.hand_written.len(), 1);
}

#[test]
fn the_shipped_spec_generates_every_operation_but_the_upload() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/whatsapp-wab-api.yaml"
    );
    let s = generate::load_spec(std::path::Path::new(path)).unwrap();
    let g = generate::generate(s, path).unwrap();
    let mut ids: Vec<&str> = g.report.operations.iter().map(|o| o.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "GetMedia",
            "GetMessages",
            "GetSource",
            "GetStatus",
            "PostMedia",
            "PostMessages",
            "PostMessagesBroadcast",
            "PostSource"
        ]
    );
    assert_eq!(
        g.report
            .hand_written
            .iter()
            .map(|h| h.0.as_str())
            .collect::<Vec<_>>(),
        ["PostMedia"]
    );
    assert!(g.report.rules_fired().contains(&"regex-in-format"));
    assert_eq!(json!(g.version), json!("1.3.1"));
}
