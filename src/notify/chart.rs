//! The alert chart: a PNG of the brand's last 24 hours — mentions per 15 minutes, the part of
//! them that was negative, the band the baseline expected, and the onset of the surge — drawn
//! in pure Rust with an embedded font (DejaVu Sans, cut down; license in `data/fonts/`).
//!
//! Invariant: a pure function of the event and the reader's locale: the same event gives the
//! same bytes, no system font or library is read, and labels are in the channel's language and
//! time zone. 800 × 420 pixels with 20-pixel text, so it stays readable when a phone shows it
//! 360 pixels wide.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};

use super::i18n::{self, pick};
use crate::alert::AlertEvent;
use crate::brief::Series;
use crate::config::notify::Locale;

pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 420;
const LEFT: i32 = 64;
const RIGHT: i32 = 20;
const TOP: i32 = 78;
const BOTTOM: i32 = 40;
const TEXT_PX: f32 = 20.0;
const TITLE_PX: f32 = 24.0;

type Rgb = [u8; 3];
const WHITE: Rgb = [255, 255, 255];
const INK: Rgb = [31, 31, 31];
const GRID: Rgb = [225, 225, 225];
const BAND: Rgb = [205, 222, 240];
const EXPECTED: Rgb = [60, 90, 140];
const BAR: Rgb = [120, 150, 190];
const NEGATIVE: Rgb = [179, 38, 30];
const ONSET: Rgb = [178, 106, 0];

static FONT_BYTES: &[u8] = include_bytes!("../../data/fonts/DejaVuSans-sturmglas.ttf");

fn font() -> Option<&'static fontdue::Font> {
    static FONT: OnceLock<Option<fontdue::Font>> = OnceLock::new();
    FONT.get_or_init(|| {
        fontdue::Font::from_bytes(FONT_BYTES, fontdue::FontSettings::default()).ok()
    })
    .as_ref()
}

struct Canvas {
    px: Vec<u8>,
}

impl Canvas {
    fn new() -> Self {
        Canvas {
            px: WHITE.repeat((WIDTH * HEIGHT) as usize),
        }
    }

    fn blend(&mut self, x: i32, y: i32, c: Rgb, alpha: f32) {
        if x < 0 || y < 0 || x >= WIDTH as i32 || y >= HEIGHT as i32 || alpha <= 0.0 {
            return;
        }
        let i = ((y as u32 * WIDTH + x as u32) * 3) as usize;
        let a = alpha.min(1.0);
        for (dst, src) in self.px[i..i + 3].iter_mut().zip(c) {
            let old = *dst as f32;
            *dst = (old + (src as f32 - old) * a).round() as u8;
        }
    }

    fn rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, c: Rgb) {
        for y in y0.min(y1)..y0.max(y1) {
            for x in x0.min(x1)..x0.max(x1) {
                self.blend(x, y, c, 1.0);
            }
        }
    }

    /// Draws `s` with its left end at `x` and its baseline at `y`; returns its width.
    fn text(&mut self, s: &str, x: i32, y: i32, px: f32, c: Rgb) -> i32 {
        let Some(f) = font() else { return 0 };
        let mut pen = x as f32;
        for ch in s.chars() {
            let (m, bitmap) = f.rasterize(ch, px);
            let gx = pen.round() as i32 + m.xmin;
            let gy = y - m.height as i32 - m.ymin;
            for row in 0..m.height {
                for col in 0..m.width {
                    let a = bitmap[row * m.width + col] as f32 / 255.0;
                    self.blend(gx + col as i32, gy + row as i32, c, a);
                }
            }
            pen += m.advance_width;
        }
        (pen - x as f32).round() as i32
    }

    fn text_width(s: &str, px: f32) -> i32 {
        font()
            .map(|f| {
                s.chars()
                    .map(|c| f.metrics(c, px).advance_width)
                    .sum::<f32>()
                    .round() as i32
            })
            .unwrap_or(0)
    }

    fn png(&self) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header().map_err(|e| e.to_string())?;
            w.write_image_data(&self.px).map_err(|e| e.to_string())?;
        }
        Ok(out)
    }
}

/// A round step for about four grid lines up to `max`.
fn grid_step(max: f64) -> f64 {
    let raw = (max / 4.0).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
        .max(1.0)
}

/// The usual band of one bucket: the expectation ± two standard deviations of the count model.
fn band(expected: f64, dispersion: f64) -> (f64, f64) {
    let sd = (expected + dispersion * expected * expected).sqrt();
    ((expected - 2.0 * sd).max(0.0), expected + 2.0 * sd)
}

/// The chart of `event`'s series as PNG bytes; `None` when the event has no series.
pub fn render(event: &AlertEvent, loc: &Locale) -> Option<Result<Vec<u8>, String>> {
    let s = event.brief.series.as_ref()?;
    Some(draw(s, event, loc))
}

fn draw(s: &Series, event: &AlertEvent, loc: &Locale) -> Result<Vec<u8>, String> {
    let mut c = Canvas::new();
    let n = s.mentions.len().max(1);
    let plot_w = WIDTH as i32 - LEFT - RIGHT;
    let plot_h = HEIGHT as i32 - TOP - BOTTOM;
    let bands: Vec<(f64, f64)> = s
        .expected
        .iter()
        .map(|e| band(*e as f64, s.dispersion))
        .collect();
    let top = s
        .mentions
        .iter()
        .map(|m| *m as f64)
        .chain(bands.iter().map(|b| b.1))
        .fold(1.0, f64::max)
        * 1.1;
    let step = grid_step(top);
    let top = (top / step).ceil() * step;
    let y_of = |v: f64| TOP + plot_h - (v / top * plot_h as f64).round() as i32;
    let x_of = |i: usize| LEFT + (i as f64 * plot_w as f64 / n as f64).round() as i32;

    // Title and legend.
    let title = format!(
        "{} — {}",
        event.brand,
        pick(
            loc,
            "mentions per 15 min, last 24 h",
            "Erwähnungen je 15 Min., letzte 24 Std."
        )
    );
    c.text(&title, LEFT - 54, 28, TITLE_PX, INK);
    let mut lx = LEFT - 54;
    for (colour, label) in [
        (BAR, pick(loc, "mentions", "Erwähnungen")),
        (NEGATIVE, pick(loc, "negative", "davon negativ")),
        (BAND, pick(loc, "usual range", "üblicher Bereich")),
        (ONSET, pick(loc, "onset", "Beginn")),
    ] {
        c.rect(lx, 44, lx + 16, 60, colour);
        lx += 22 + c.text(label, lx + 22, 59, TEXT_PX, INK) + 20;
    }

    // Grid and y labels.
    let mut v = 0.0;
    while v <= top + 1e-9 {
        let y = y_of(v);
        c.rect(LEFT, y, LEFT + plot_w, y + 1, GRID);
        let label = i18n::int(v as u64, loc);
        let w = Canvas::text_width(&label, TEXT_PX);
        c.text(&label, LEFT - 8 - w, y + 7, TEXT_PX, INK);
        v += step;
    }

    // The usual band, the bars with their negative part, the expectation.
    #[allow(clippy::needless_range_loop)] // four parallel columns, read by one index
    for i in 0..s.mentions.len() {
        let (x0, x1) = (x_of(i), x_of(i + 1));
        let (lo, hi) = bands[i];
        c.rect(x0, y_of(hi), x1, y_of(lo), BAND);
        let gap = if x1 - x0 > 4 { 1 } else { 0 };
        c.rect(
            x0 + gap,
            y_of(s.mentions[i] as f64),
            x1 - gap,
            y_of(0.0),
            BAR,
        );
        let neg = s.negative.get(i).copied().unwrap_or(0).min(s.mentions[i]);
        c.rect(x0 + gap, y_of(neg as f64), x1 - gap, y_of(0.0), NEGATIVE);
        let ye = y_of(s.expected[i] as f64);
        c.rect(x0, ye - 1, x1, ye + 1, EXPECTED);
    }
    c.rect(LEFT, y_of(0.0), LEFT + plot_w, y_of(0.0) + 2, INK);

    // Hours along the bottom, every four hours of local time.
    let step_secs = s.step_seconds.max(60) as i64;
    for i in 0..=n {
        let t = s.start + Duration::seconds(step_secs * i as i64);
        let local = t.with_timezone(&loc.timezone);
        if local.format("%M").to_string() == "00"
            && local.format("%H").to_string().parse::<u32>().unwrap_or(1) % 4 == 0
        {
            let x = x_of(i);
            c.rect(x, y_of(0.0), x + 1, y_of(0.0) + 6, INK);
            let label = local.format("%H:%M").to_string();
            let w = Canvas::text_width(&label, TEXT_PX);
            c.text(&label, x - w / 2, HEIGHT as i32 - 12, TEXT_PX, INK);
        }
    }

    // The onset, dashed, with its time.
    if let Some(x) = x_at(event.started_at, s, plot_w) {
        let mut y = TOP;
        while y < TOP + plot_h {
            c.rect(x - 1, y, x + 2, (y + 8).min(TOP + plot_h), ONSET);
            y += 14;
        }
        let label = format!(
            "{} {}",
            pick(loc, "onset", "Beginn"),
            i18n::clock(event.started_at, loc)
        );
        let w = Canvas::text_width(&label, TEXT_PX);
        let tx = if x + 6 + w < WIDTH as i32 - RIGHT {
            x + 6
        } else {
            x - 6 - w
        };
        c.rect(tx - 2, TOP + 2, tx + w + 2, TOP + 26, WHITE);
        c.text(&label, tx, TOP + 21, TEXT_PX, ONSET);
    }
    c.png()
}

fn x_at(t: DateTime<Utc>, s: &Series, plot_w: i32) -> Option<i32> {
    let span = s.step_seconds as f64 * s.mentions.len() as f64;
    let dt = (t - s.start).num_seconds() as f64;
    (dt >= 0.0 && dt <= span).then(|| LEFT + (dt / span * plot_w as f64).round() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::notify::Language;

    pub(crate) fn event_with_series() -> AlertEvent {
        let mut e = crate::alert::test_event("c1");
        e.brand = "Nordwind Energie".into();
        e.observed_at = "2026-03-06T10:00:00Z".parse().unwrap();
        e.started_at = "2026-03-06T09:32:00Z".parse().unwrap();
        let mut mentions = vec![2u32; 96];
        let mut negative = vec![0u32; 96];
        for i in 90..96 {
            mentions[i] = 40 + i as u32;
            negative[i] = 30;
        }
        e.brief.series = Some(Series {
            start: "2026-03-05T10:15:00Z".parse().unwrap(),
            step_seconds: 900,
            mentions,
            negative: {
                negative[10] = 1;
                negative
            },
            expected: vec![2.5; 96],
            dispersion: 0.1,
        });
        e
    }

    #[test]
    fn the_png_decodes_has_its_size_and_is_not_blank() {
        let e = event_with_series();
        for loc in [
            Locale::default(),
            Locale::new(Language::De, chrono_tz::Europe::Berlin),
        ] {
            let bytes = render(&e, &loc).unwrap().unwrap();
            let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
            let mut reader = decoder.read_info().unwrap();
            let mut buf = vec![0; reader.output_buffer_size()];
            let info = reader.next_frame(&mut buf).unwrap();
            assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
            let px = &buf[..info.buffer_size()];
            let count = |c: Rgb| px.chunks(3).filter(|p| *p == c).count();
            // The storm's bars, its negative part, the band and the onset are all there.
            assert!(count(NEGATIVE) > 2000, "{}", count(NEGATIVE));
            assert!(count(BAR) > 2000);
            assert!(count(BAND) > 500);
            assert!(count(ONSET) > 100);
            // Text was drawn: dark pixels outside the plot.
            let ink = px
                .chunks(3)
                .filter(|p| p[0] < 80 && p[1] < 80 && p[2] < 80)
                .count();
            assert!(ink > 1000, "{ink}");
        }
        assert!(render(&crate::alert::test_event("x"), &Locale::default()).is_none());
    }

    #[test]
    fn the_same_event_gives_the_same_bytes() {
        let e = event_with_series();
        let a = render(&e, &Locale::default()).unwrap().unwrap();
        let b = render(&e, &Locale::default()).unwrap().unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn grid_steps_are_round() {
        assert_eq!(grid_step(10.0), 2.5);
        assert_eq!(grid_step(100.0), 25.0);
        assert_eq!(grid_step(3.0), 1.0);
    }
}
