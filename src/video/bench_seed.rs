//! `pinkflow seed-search`: public, ready videos with realistic titles and descriptions
//! and their caption cues, written straight to the database (no files, no transcoding)
//! for the search benchmark (`bench/search.sh`). Deterministic: the same counts give the
//! same rows.

use chrono::Duration;

use crate::db::{Db, DbError, now};
use crate::models::seed::{self, SeedVideo};

const TOPICS: [&str; 40] = [
    "cooking",
    "baking",
    "gardening",
    "football",
    "history",
    "science",
    "travel",
    "music",
    "poetry",
    "news",
    "weather",
    "cycling",
    "painting",
    "knitting",
    "chemistry",
    "astronomy",
    "photography",
    "recipes",
    "fitness",
    "yoga",
    "finance",
    "housing",
    "health",
    "school",
    "university",
    "theatre",
    "film",
    "comedy",
    "politics",
    "elections",
    "family",
    "parenting",
    "technology",
    "coding",
    "design",
    "fashion",
    "animals",
    "birds",
    "fishing",
    "camping",
];
const FORMS: [&str; 12] = [
    "An introduction to",
    "Ten tips for",
    "A beginner's guide to",
    "Stories about",
    "Questions and answers on",
    "The basics of",
    "A short talk about",
    "Everyday signs for",
    "Deaf experiences of",
    "Interview:",
    "Workshop:",
    "Live:",
];
const EXTRAS: [&str; 16] = [
    "at home",
    "for children",
    "in winter",
    "with friends",
    "on a budget",
    "for beginners",
    "in the city",
    "by the sea",
    "in ten minutes",
    "step by step",
    "for families",
    "around the world",
    "this week",
    "from scratch",
    "with grandparents",
    "explained",
];
const SENTENCES: [&str; 12] = [
    "We talk about what we learned and what surprised us.",
    "A deaf presenter explains every step in sign language.",
    "Captions and a transcript are available for this video.",
    "Filmed in a community centre with a live audience.",
    "Questions from viewers are answered at the end.",
    "Part of a series made by and for the deaf community.",
    "Useful vocabulary is shown on screen as we go.",
    "The presenter shares personal stories and practical advice.",
    "Suitable for learners and fluent signers alike.",
    "Recorded outdoors on a bright spring morning.",
    "Links to related videos are in the description below.",
    "With thanks to everyone who took part.",
];
const LANGUAGES: [&str; 6] = ["ASL", "BSL", "Auslan", "LSF", "DGS", "JSL"];

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.next() % list.len() as u64) as usize]
    }
}

/// Write `videos` listed videos and `cues` caption cues (spread evenly over the
/// videos, one English track each) in transactions of 500 videos; `progress` is told
/// how many videos are done. Returns the owner's id.
pub async fn seed(
    db: &Db,
    videos: usize,
    cues: usize,
    progress: impl Fn(usize),
) -> Result<i32, DbError> {
    let owner = db.run(seed::owner).await?;
    let per_video = cues.checked_div(videos).unwrap_or(0);
    let extra = cues.checked_rem(videos).unwrap_or(0);
    let mut rng = Rng(0x5eed);
    let start = now();
    let mut done = 0;
    while done < videos {
        let n = (videos - done).min(500);
        let mut batch = Vec::with_capacity(n);
        let mut lines = Vec::with_capacity(n);
        for i in done..done + n {
            let topic = rng.pick(&TOPICS);
            let title = format!("{} {topic} {} #{i}", rng.pick(&FORMS), rng.pick(&EXTRAS));
            let description = format!(
                "{} {} More about {topic}. {}",
                rng.pick(&SENTENCES),
                rng.pick(&SENTENCES),
                rng.pick(&SENTENCES)
            );
            let minutes_ago = (videos - i) as i64;
            let mut v = SeedVideo::listed(
                owner,
                &title,
                rng.pick(&LANGUAGES),
                start - Duration::minutes(minutes_ago),
            );
            v.description = description;
            v.duration_seconds = (rng.next() % 1800) as f64 + 5.0;
            if i % 10 == 0 {
                v.edition_group = Some(format!("seed-group-{}", i / 20));
            }
            let count = per_video + usize::from(i < extra);
            let text: Vec<(f64, String)> = (0..count)
                .map(|c| {
                    let words = format!(
                        "{} {} {}",
                        rng.pick(&SENTENCES),
                        rng.pick(&TOPICS),
                        rng.pick(&EXTRAS)
                    );
                    (c as f64 * 2.5, words)
                })
                .collect();
            batch.push(v);
            lines.push(text);
        }
        db.transaction(move |conn| {
            let ids = seed::videos(conn, &batch)?;
            for (id, text) in ids.into_iter().zip(&lines) {
                if text.is_empty() {
                    continue;
                }
                let cues: Vec<(f64, &str)> = text.iter().map(|(s, t)| (*s, t.as_str())).collect();
                seed::caption(conn, id, "en", "English", &cues)?;
            }
            Ok(())
        })
        .await?;
        done += n;
        progress(done);
    }
    Ok(owner)
}
