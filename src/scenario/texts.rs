//! Post texts for synthetic streams: natural German and English complaints, news and praise.
//!
//! Invariant: every text reads as clearly negative, neutral or positive to a person and to a
//! lexicon scorer alike. Negative texts carry unmistakable complaint words ("Abzocke",
//! "Frechheit", "terrible", "worst") and no praise words; neutral texts carry no opinion
//! words at all; positive texts carry praise and no complaint. `{b}` is replaced by a brand
//! keyword.

/// Everyday complaints, German.
pub const NEGATIVE_DE: &[&str] = &[
    "Die Hotline von {b} ist eine Katastrophe, seit drei Tagen komme ich nicht durch.",
    "{b} hat meine Rechnung schon wieder falsch berechnet. Echt schlecht.",
    "Wütend auf {b}: Termin verschoben, keine Info, keine Entschuldigung.",
    "Der Service bei {b} ist einfach schlecht, ich überlege zu kündigen.",
    "Was für eine Frechheit von {b}, mich zweimal abzubuchen.",
];

/// Everyday complaints, English.
pub const NEGATIVE_EN: &[&str] = &[
    "{b} support is terrible, waited an hour and got disconnected.",
    "Worst experience with {b} this week, the app is broken again.",
    "Honestly angry at {b}, they charged me twice and nobody answers.",
    "The {b} update is awful, everything is slower now.",
];

/// News and plain statements, German: no opinion words.
pub const NEUTRAL_DE: &[&str] = &[
    "{b} eröffnet im Mai einen neuen Standort in Leipzig.",
    "Laut Pressemitteilung stellt {b} im Herbst 200 Leute ein.",
    "Hat jemand Erfahrung mit dem Tarif von {b}? Wechsle vielleicht im Juni.",
    "{b} hat heute die Zahlen für das dritte Quartal veröffentlicht.",
    "Wo finde ich bei {b} die Kundennummer auf der Rechnung?",
    "{b} ändert ab Juli die Öffnungszeiten am Samstag.",
];

/// News and plain statements, English: no opinion words.
pub const NEUTRAL_EN: &[&str] = &[
    "{b} opens a new office in Hamburg next month.",
    "Does anyone know when {b} publishes the quarterly report?",
    "{b} announced a partnership with a logistics company today.",
    "Reading the {b} press release about the new pricing model.",
    "{b} moves its customer service to a new platform on Monday.",
];

/// Praise, German.
pub const POSITIVE_DE: &[&str] = &[
    "Danke {b}, der Techniker war pünktlich und super freundlich!",
    "Bin total zufrieden mit {b}, klasse Service.",
    "Die neue App von {b} ist echt toll.",
    "{b} hat mein Problem in fünf Minuten gelöst, super!",
];

/// Praise, English.
pub const POSITIVE_EN: &[&str] = &[
    "Great service from {b} today, thanks a lot!",
    "I love the new {b} app, awesome work.",
    "{b} support was excellent, fixed everything in minutes.",
    "Really great experience with {b}, highly recommended.",
];

/// A storm in German: one incident (an unannounced price hike and a billing fiasco, with a
/// hotline nobody answers), many angry voices.
pub const STORM_DE: &[&str] = &[
    "Abzocke! {b} erhöht den Preis um 40 Prozent ohne jede Ankündigung.",
    "{b} bucht mir 300 Euro ab statt 80. Was für eine Frechheit!",
    "Skandal bei {b}: tausende Kunden doppelt abgebucht und die Hotline ist tot.",
    "Bei {b} geht seit Stunden niemand ran, die Hotline ist tot. Eine Frechheit!",
    "Ich bin so wütend auf {b}, die Abbuchung hat mein Konto ins Minus gedrückt.",
    "Boykott {b}! Erst die Preiserhöhung, dann das Chaos bei den Abbuchungen.",
    "{b} schweigt zum Abbuchungs-Chaos. Eine Katastrophe für alle Kunden.",
    "Frechheit, wie {b} mit seinen Kunden umgeht. Sofort kündigen!",
    "Die Abzocke von {b} muss ein Nachspiel haben, das ist ein Skandal.",
    "Kundenservice von {b}: 2 Stunden Warteschleife, dann aufgelegt. Schlecht, einfach schlecht.",
];

/// A storm in English: the same kind of incident.
pub const STORM_EN: &[&str] = &[
    "{b} just doubled my bill without warning. What a scam.",
    "Boycott {b}! Charging customers twice and ignoring every complaint.",
    "This {b} billing mess is a disgrace, I'm so angry.",
    "Worst company ever, {b} took 300 euros from my account.",
    "{b} customer service is terrible, nobody takes responsibility.",
];

/// A slow burn in German: a product problem that more and more people hit.
pub const BURN_DE: &[&str] = &[
    "Bei mir geht die Heizungssteuerung von {b} auch nicht mehr. Schlecht.",
    "Schon wieder Ausfall bei {b}, langsam wird das eine Katastrophe.",
    "Seit Tagen kaputt und {b} reagiert nicht. Frechheit.",
    "Wie viele sind noch betroffen? {b} lässt uns im Stich, das ist ein Skandal.",
];

/// A slow burn in English.
pub const BURN_EN: &[&str] = &[
    "My {b} thermostat is broken too, this is getting terrible.",
    "Day three of the {b} outage, the worst support I have ever seen.",
    "{b} still hasn't fixed it. Angry customer here.",
];

/// A positive viral moment (a campaign people love).
pub const VIRAL_DE: &[&str] = &[
    "Der neue Werbespot von {b} ist einfach klasse!",
    "Danke {b} für die tolle Aktion, mega Idee.",
    "Habt ihr den Spot von {b} gesehen? Super gemacht!",
];

pub const VIRAL_EN: &[&str] = &[
    "The new {b} ad is awesome, I love it!",
    "Great campaign by {b}, watched it five times.",
    "{b} nailed it with this ad, excellent work.",
];

/// A neutral news wave (a press release everybody shares).
pub const NEWS_DE: &[&str] = &[
    "{b} übernimmt einen Konkurrenten aus Österreich, meldet die Nachrichtenagentur.",
    "Eilmeldung: {b} verlegt die Zentrale nach Köln.",
    "{b} kündigt für 2027 einen Börsengang an.",
];

pub const NEWS_EN: &[&str] = &[
    "Breaking: {b} to acquire an Austrian competitor.",
    "{b} announces it will move its headquarters to Cologne.",
    "Report: {b} plans an IPO in 2027.",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sentiment::{Analyzer, Label};

    fn check(texts: &[&str], want: Label) {
        let a = Analyzer::new();
        for t in texts {
            let text = t.replace("{b}", "Nordwind");
            assert_eq!(a.analyze(&text, None).label, want, "{text}");
        }
    }

    #[test]
    fn every_text_scores_as_intended() {
        for set in [
            NEGATIVE_DE,
            NEGATIVE_EN,
            STORM_DE,
            STORM_EN,
            BURN_DE,
            BURN_EN,
        ] {
            check(set, Label::Negative);
        }
        for set in [NEUTRAL_DE, NEUTRAL_EN, NEWS_DE, NEWS_EN] {
            check(set, Label::Neutral);
        }
        // German positives may land just under the calibrated positive threshold (see
        // `sentiment::calibration`); for detection only "not negative" matters.
        let a = Analyzer::new();
        for set in [POSITIVE_DE, POSITIVE_EN, VIRAL_DE, VIRAL_EN] {
            for t in set {
                let text = t.replace("{b}", "Nordwind");
                let s = a.analyze(&text, None);
                assert!(s.label != Label::Negative && s.score > 0.3, "{text}: {s:?}");
            }
        }
        check(POSITIVE_EN, Label::Positive);
        check(VIRAL_EN, Label::Positive);
    }

    #[test]
    fn every_text_names_the_brand() {
        let all = [
            NEGATIVE_DE,
            NEGATIVE_EN,
            NEUTRAL_DE,
            NEUTRAL_EN,
            POSITIVE_DE,
            POSITIVE_EN,
            STORM_DE,
            STORM_EN,
            BURN_DE,
            BURN_EN,
            VIRAL_DE,
            VIRAL_EN,
            NEWS_DE,
            NEWS_EN,
        ];
        for set in all {
            assert!(set.iter().all(|t| t.contains("{b}")));
        }
    }
}
