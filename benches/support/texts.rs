//! The posts the benches feed: a mix like a firehose sample, where most posts name no brand
//! and some name one or two of `brand0` … `brand999` or Nordwind Energie. Shared by the
//! benches (`#[path]`-included), so their figures are comparable.

pub const TEXTS: &[&str] = &[
    "Nordwind Energie hat schon wieder die Preise erhöht, eine Frechheit!",
    "Just switched to brand7, the app is great and support answered in minutes",
    "Heute im Radio: brand42 eröffnet ein neues Werk in Leipzig.",
    "Wer kennt einen guten Stromanbieter? Bitte Tipps!",
    "@brand300 my order never arrived and nobody answers. Worst service ever.",
    "Was für ein schöner Tag am See, endlich Sonne.",
    "brand999 und brand5 im Vergleich: beide teuer, aber ok",
    "lol this meme is everything",
];
