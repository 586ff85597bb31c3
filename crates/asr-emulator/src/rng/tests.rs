use super::*;

#[test]
fn same_seed_same_sequence() {
    let mut a = Rng::new(7);
    let mut b = Rng::new(7);
    let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
    let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
    assert_eq!(xs, ys);
    assert_ne!(Rng::new(8).next_u64(), xs[0]);
}

#[test]
fn chance_respects_bounds() {
    let mut r = Rng::new(1);
    assert!((0..1000).all(|_| !r.chance(0.0)));
    assert!((0..1000).all(|_| r.chance(1.0)));
    let hits = (0..10_000).filter(|_| r.chance(0.3)).count();
    assert!((2500..3500).contains(&hits), "{hits}");
}

#[test]
fn uuid_shape() {
    let id = Rng::new(3).uuid();
    let parts: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(parts, vec![8, 4, 4, 4, 12]);
    assert_eq!(Rng::new(3).hex(40).len(), 40);
}

#[test]
fn fnv_known_values() {
    // FNV-1a 64 reference values.
    assert_eq!(ContentHash::hex_of(b""), "cbf29ce484222325");
    assert_eq!(ContentHash::hex_of(b"a"), "af63dc4c8601ec8c");
    let mut h = ContentHash::default();
    h.update(b"ab");
    h.update(b"c");
    assert_eq!(format!("{:016x}", h.value()), ContentHash::hex_of(b"abc"));
}
