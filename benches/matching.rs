//! Matching alone: 1,000 keyword brands (unfinished: Boolean-query brands, memory and the core figure still to add).
use std::time::Instant;
use sturmglas::matching::{BrandMatcher, BrandSpec};
const TEXTS: &[&str] = &[
    "Nordwind Energie hat schon wieder die Preise erhöht, eine Frechheit!",
    "Just switched to brand7, the app is great and support answered in minutes",
    "Heute im Radio: brand42 eröffnet ein neues Werk in Leipzig.",
    "Wer kennt einen guten Stromanbieter? Bitte Tipps!",
    "@brand300 my order never arrived and nobody answers. Worst service ever.",
    "Was für ein schöner Tag am See, endlich Sonne.",
    "brand999 und brand5 im Vergleich: beide teuer, aber ok",
    "lol this meme is everything",
];
fn main() {
    let kws: Vec<Vec<String>> = (0..1000)
        .map(|i| vec![format!("brand{i}"), format!("@brand{i}")])
        .collect();
    let specs: Vec<BrandSpec> = kws.iter().map(|k| BrandSpec::keywords(k, &[])).collect();
    let m = BrandMatcher::new(&specs).unwrap();
    let posts: Vec<&str> = (0..400_000).map(|i| TEXTS[i % TEXTS.len()]).collect();
    for _ in 0..5 {
        let t = Instant::now();
        let mut n = 0;
        for p in &posts {
            n += m.matches(p).len();
        }
        println!(
            "keywords matcher, 1000 brands: {:.0} posts/s ({n})",
            posts.len() as f64 / t.elapsed().as_secs_f64()
        );
    }
}
