use super::ApiKey;

#[test]
fn debug_and_display_hide_the_key() {
    let key = ApiKey::new("sk-very-secret");
    assert_eq!(format!("{key:?}"), "ApiKey(****)");
    assert_eq!(format!("{key}"), "ApiKey(****)");
    assert_eq!(key.expose(), "sk-very-secret");
}
