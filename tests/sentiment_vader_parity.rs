//! VADER parity: our English compound score against vaderSentiment 3.3.2's on the 4,200
//! tweets of Hutto & Gilbert's ground-truth set (MIT; reference scores in the fixture were
//! produced with `pip install vaderSentiment==3.3.2`), and against the human ratings.

use sturmglas::sentiment::{Analyzer, Lang};

const FIXTURE: &str = include_str!("fixtures/vader/tweets_vader_3.3.2.tsv");

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

#[test]
fn matches_vader_sentiment_3_3_2_on_the_tweets_set() {
    let a = Analyzer::new();
    let (mut ours, mut human) = (Vec::new(), Vec::new());
    let mut close = 0usize;
    let mut worst: Vec<(f64, String)> = Vec::new();
    for line in FIXTURE
        .split('\n')
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let mut f = line.splitn(4, '\t');
        let (_id, rating, reference, text) = (f.next(), f.next(), f.next(), f.next());
        let rating: f64 = rating.and_then(|r| r.parse().ok()).expect("rating");
        let reference: f64 = reference.and_then(|r| r.parse().ok()).expect("reference");
        let text = text.expect("text");
        let got = a.score_as(text, Lang::En);
        let diff = (got - reference).abs();
        if diff <= 0.01 {
            close += 1;
        } else {
            worst.push((diff, format!("{got:.4} vs {reference:.4}: {text}")));
        }
        ours.push(got);
        human.push(rating);
    }
    assert_eq!(ours.len(), 4200);
    let share = close as f64 / ours.len() as f64;
    let r = pearson(&ours, &human);
    worst.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, w) in worst.iter().take(10) {
        eprintln!("differs: {w}");
    }
    eprintln!("within 0.01: {close}/4200 ({share:.4}); Pearson r with human means: {r:.4}");
    assert!(share >= 0.99, "only {share:.4} within 0.01");
    assert!(r >= 0.87, "Pearson r {r:.4}");
}
