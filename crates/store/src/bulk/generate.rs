//! The generator: every row of the bench data set, derived from the seed alone.

use super::rows::{ContactRow, EmailRow, EntryRow, Row, TemplateRow, UserRow};
use super::{DAY_MS, END, Plan, START, Table, bench_email};
use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Independent random streams, so that e.g. a contact's emails do not depend on how many
/// history entries were drawn before them.
mod stream {
    pub const POOL: u64 = 1;
    pub const USER: u64 = 2;
    pub const CONTACTS: u64 = 3;
    pub const TEMPLATES: u64 = 4;
    pub const HISTORY_TIMES: u64 = 5;
    pub const HISTORY: u64 = 6;
    pub const EMAILS: u64 = 7;
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn rng_for(seed: u64, parts: &[u64]) -> StdRng {
    let mut h = splitmix(seed);
    for p in parts {
        h = splitmix(h ^ p);
    }
    StdRng::seed_from_u64(h)
}

/// A UUIDv7-shaped id: the 48-bit millisecond time `ms`, then 74 bits from `rng`.
fn uuid7(rng: &mut StdRng, ms: i64) -> String {
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes);
    uuid::Builder::from_unix_timestamp_millis(ms.max(0) as u64, &bytes).into_uuid().to_string()
}

const FIRST: [&str; 40] = [
    "Ada", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Isabel", "Jonas", "Kira", "Liam",
    "Maya", "Noah", "Olivia", "Pablo", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wei", "Ximena",
    "Yusuf", "Zoe", "Anna", "Marcus", "Priya", "David", "Sarah", "Tomas", "Leila", "Kenji", "Amara", "Felix",
    "Nadia", "Oscar", "Ingrid", "Rahul",
];
const LAST: [&str; 40] = [
    "Anderson",
    "Bauer",
    "Chen",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Johnson",
    "Kowalski",
    "Larsen",
    "Martin",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Wagner",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Kim",
    "Rodriguez",
    "Novak",
    "Silva",
    "Murphy",
    "Costa",
    "Berg",
    "Haddad",
    "Moreau",
    "Ivanova",
    "Lopez",
    "Singh",
    "Walsh",
    "Weber",
];
const COMPANIES: [(&str, &str); 30] = [
    ("Northwind Capital", "northwind"),
    ("BrightPath Health", "brightpath"),
    ("Lumen Design Studio", "lumen"),
    ("Harbor Logistics", "harborlogistics"),
    ("Quanta ML", "quantaml"),
    ("Blue Fern Foods", "bluefern"),
    ("Copperline Energy", "copperline"),
    ("Atlas Robotics", "atlasrobotics"),
    ("Meridian Bank", "meridianbank"),
    ("Sable Security", "sable"),
    ("Orchid Biotech", "orchidbio"),
    ("Granite Construction Group", "granitecg"),
    ("Polaris Media", "polarismedia"),
    ("Evergreen Schools", "evergreen"),
    ("Kestrel Aerospace", "kestrel"),
    ("Tidewater Shipping", "tidewater"),
    ("Juniper Retail", "juniperretail"),
    ("Vantage Analytics", "vantage"),
    ("Cobalt Cloud", "cobaltcloud"),
    ("Saffron Hospitality", "saffron"),
    ("Ironwood Manufacturing", "ironwood"),
    ("Beacon Legal", "beaconlegal"),
    ("Helix Pharma", "helixpharma"),
    ("Summit Outdoor", "summitoutdoor"),
    ("Riverbend Realty", "riverbend"),
    ("Nimbus Games", "nimbusgames"),
    ("Stellar Telecom", "stellartel"),
    ("Willow Insurance", "willow"),
    ("Zenith Consulting", "zenith"),
    ("Aurora Travel", "auroratravel"),
];
const ROLES: [&str; 12] = [
    "CEO",
    "CTO",
    "VP Sales",
    "Head of Marketing",
    "Product Manager",
    "Engineering Manager",
    "Partner",
    "Founder",
    "Research Lead",
    "Operations Director",
    "Account Executive",
    "Procurement Lead",
];
const INDUSTRIES: [&str; 12] = [
    "Venture Capital",
    "Healthcare",
    "Design",
    "Logistics",
    "Artificial Intelligence",
    "Food",
    "Energy",
    "Finance",
    "Education",
    "Media",
    "Retail",
    "Manufacturing",
];
const WORDS: [&str; 96] = [
    "we",
    "our",
    "team",
    "the",
    "a",
    "proposal",
    "pricing",
    "pilot",
    "roadmap",
    "quarter",
    "review",
    "meeting",
    "update",
    "customer",
    "launch",
    "budget",
    "contract",
    "timeline",
    "feedback",
    "integration",
    "security",
    "questionnaire",
    "onboarding",
    "renewal",
    "partnership",
    "webinar",
    "agenda",
    "numbers",
    "results",
    "growth",
    "revenue",
    "forecast",
    "hiring",
    "product",
    "release",
    "beta",
    "sandbox",
    "access",
    "documentation",
    "support",
    "migration",
    "database",
    "analytics",
    "dashboard",
    "report",
    "deck",
    "board",
    "investors",
    "strategy",
    "market",
    "segment",
    "enterprise",
    "startup",
    "workshop",
    "demo",
    "call",
    "next",
    "week",
    "Tuesday",
    "Friday",
    "morning",
    "afternoon",
    "shared",
    "attached",
    "reviewed",
    "discussed",
    "prepared",
    "scheduled",
    "confirmed",
    "improved",
    "reduced",
    "expanded",
    "delivered",
    "agreed",
    "proposed",
    "suggested",
    "would",
    "could",
    "should",
    "will",
    "can",
    "with",
    "for",
    "about",
    "after",
    "before",
    "during",
    "and",
    "but",
    "so",
    "that",
    "this",
    "your",
    "their",
    "new",
    "first",
];
const TOPICS: [&str; 24] = [
    "the Q3 proposal",
    "healthcare pricing",
    "the pilot timeline",
    "our partnership",
    "the webinar date",
    "the security review",
    "next quarter's roadmap",
    "the renewal",
    "the integration plan",
    "your feedback",
    "the board deck numbers",
    "the onboarding plan",
    "the sandbox access",
    "the enterprise tier",
    "our last call",
    "the workshop agenda",
    "the launch plan",
    "the contract draft",
    "the analytics dashboard",
    "hiring plans",
    "the migration",
    "budget approval",
    "the demo recording",
    "the release notes",
];
const SUBJECT_PREFIX: [&str; 10] = [
    "Following up on",
    "Quick question about",
    "Thoughts on",
    "Next steps for",
    "Re:",
    "Update on",
    "Checking in about",
    "Notes from",
    "Thank you for",
    "Proposal:",
];
const PROVIDERS: [&str; 4] = ["anthropic", "openai", "gemini", "builtin"];
/// (name, type, subject) of each account's templates; the last one is the default.
const TEMPLATES: [(&str, &str, &str); 5] = [
    ("Formal follow-up", "FORMAL", "Following up on our conversation"),
    ("Formal introduction", "FORMAL", "Introduction: {{senderName}}"),
    ("Casual check-in", "CASUAL", "Catching up"),
    ("Casual thank-you", "CASUAL", "Thanks!"),
    ("Quarterly relationship check-in", "CUSTOM", "Quarterly check-in, {{firstName}}"),
];

/// One user with what depends on it.
struct GenUser {
    id: String,
    email: String,
    name: String,
    created: i64,
}

pub(super) struct GenContact {
    pub(super) id: String,
    pub(super) first: &'static str,
    pub(super) name: String,
    pub(super) email: String,
    pub(super) phone: String,
    pub(super) company: &'static str,
    pub(super) role: &'static str,
    pub(super) industry: &'static str,
    pub(super) linked_in_url: String,
    pub(super) priority: &'static str,
    pub(super) birthday: Option<NaiveDate>,
    pub(super) notes: Option<String>,
    pub(super) last_contacted: Option<i64>,
    pub(super) created: i64,
}

/// Builds rows from a seed. Cheap to share between threads.
pub(super) struct Generator {
    seed: u64,
    pub(super) plan: Plan,
    hash: String,
    sentences: Vec<String>,
}

impl Generator {
    pub(super) fn new(seed: u64, plan: Plan, hash: String) -> Self {
        let mut rng = rng_for(seed, &[stream::POOL]);
        let sentences = (0..1024)
            .map(|_| {
                let n = rng.random_range(6..=14);
                let mut s = String::with_capacity(100);
                for i in 0..n {
                    let w = WORDS[rng.random_range(0..WORDS.len())];
                    if i == 0 {
                        let mut chars = w.chars();
                        if let Some(c) = chars.next() {
                            s.extend(c.to_uppercase());
                            s.push_str(chars.as_str());
                        }
                    } else {
                        s.push(' ');
                        s.push_str(w);
                    }
                }
                s.push(if rng.random_bool(0.15) { '?' } else { '.' });
                s
            })
            .collect();
        Self { seed, plan, hash, sentences }
    }

    /// User `u` (0-based).
    fn user(&self, u: u32) -> GenUser {
        let mut rng = rng_for(self.seed, &[stream::USER, u64::from(u)]);
        let created = START + rng.random_range(0..30 * DAY_MS);
        GenUser {
            id: uuid7(&mut rng, created),
            email: bench_email(u + 1),
            name: format!("Bench User {:03}", u + 1),
            created,
        }
    }

    /// Send times and directions of one contact's history, oldest first.
    fn history_skeleton(&self, u: u32, c: u32, contact_created: i64) -> Vec<(i64, bool)> {
        let mut rng = rng_for(self.seed, &[stream::HISTORY_TIMES, u64::from(u), u64::from(c)]);
        let mut times: Vec<(i64, bool)> = (0..self.plan.history_per_contact)
            .map(|_| (rng.random_range(contact_created..END), rng.random_bool(0.5)))
            .collect();
        times.sort_unstable();
        times
    }

    fn contacts(&self, u: u32, user: &GenUser) -> Vec<GenContact> {
        let mut rng = rng_for(self.seed, &[stream::CONTACTS, u64::from(u)]);
        (0..self.plan.contacts_per_user)
            .map(|c| {
                let created = user.created + rng.random_range(0..60 * DAY_MS);
                let first = FIRST[rng.random_range(0..FIRST.len())];
                let last = LAST[rng.random_range(0..LAST.len())];
                let (company, domain) = COMPANIES[rng.random_range(0..COMPANIES.len())];
                let last_contacted = self
                    .history_skeleton(u, c, created)
                    .iter()
                    .filter(|(_, sent)| *sent)
                    .map(|(t, _)| *t)
                    .max();
                let priority = match rng.random_range(0..10) {
                    0..=1 => "HIGH",
                    2..=6 => "MEDIUM",
                    _ => "LOW",
                };
                let birthday = rng.random_bool(0.4).then(|| {
                    NaiveDate::from_ymd_opt(rng.random_range(1960..=2000), rng.random_range(1..=12), 1)
                        .and_then(|d| d.with_day(rng.random_range(1..=28)))
                        .unwrap_or_default()
                });
                let notes = rng.random_bool(0.5).then(|| {
                    let a = &self.sentences[rng.random_range(0..self.sentences.len())];
                    let b = &self.sentences[rng.random_range(0..self.sentences.len())];
                    format!("{a} {b}")
                });
                let tag = rng.random_range(0..0x1_0000u32);
                GenContact {
                    id: uuid7(&mut rng, created),
                    first,
                    name: format!("{first} {last}"),
                    email: format!("{}.{}{c}@{domain}.example", first.to_lowercase(), last.to_lowercase()),
                    phone: format!("+1 415 555 {:04}", rng.random_range(0..10_000)),
                    company,
                    role: ROLES[rng.random_range(0..ROLES.len())],
                    industry: INDUSTRIES[rng.random_range(0..INDUSTRIES.len())],
                    linked_in_url: format!(
                        "https://www.linkedin.com/in/{}-{}-{tag:04x}",
                        first.to_lowercase(),
                        last.to_lowercase()
                    ),
                    priority,
                    birthday,
                    notes,
                    last_contacted,
                    created,
                }
            })
            .collect()
    }

    /// A letter of `min..=max` bytes: greeting, paragraphs of pool sentences, signature.
    fn letter(&self, rng: &mut StdRng, to: &str, from: &str, min: usize, max: usize) -> String {
        // The longest pool sentence is under 200 bytes, so stopping below `max - 220` keeps
        // the result within bounds.
        let target = rng.random_range(min..=max.saturating_sub(220).max(min));
        let tail_len = "\n\nBest regards,\n".len() + from.len();
        let mut s = String::with_capacity(target + 256);
        s.push_str("Hi ");
        s.push_str(to);
        s.push_str(",\n\n");
        let mut in_paragraph = 0;
        while s.len() + tail_len < target {
            if in_paragraph >= 5 || (in_paragraph >= 2 && rng.random_bool(0.3)) {
                s.push_str("\n\n");
                in_paragraph = 0;
            } else if in_paragraph > 0 {
                s.push(' ');
            }
            s.push_str(&self.sentences[rng.random_range(0..self.sentences.len())]);
            in_paragraph += 1;
        }
        s.push_str("\n\nBest regards,\n");
        s.push_str(from);
        s
    }

    fn subject(rng: &mut StdRng) -> String {
        let prefix = SUBJECT_PREFIX[rng.random_range(0..SUBJECT_PREFIX.len())];
        let topic = TOPICS[rng.random_range(0..TOPICS.len())];
        format!("{prefix} {topic}")
    }

    /// Every row of `table` owned by user `u`, appended to `out`.
    pub(super) fn rows(&self, table: Table, u: u32, out: &mut Vec<Row>) {
        let user = self.user(u);
        match table {
            Table::Users => out.push(Row::User(UserRow {
                id: user.id,
                email: user.email,
                name: user.name,
                hash: self.hash.clone(),
                created: user.created,
            })),
            Table::Contacts => {
                for c in self.contacts(u, &user) {
                    out.push(Row::Contact(Box::new(ContactRow { user_id: user.id.clone(), c })));
                }
            }
            Table::Templates => {
                let mut rng = rng_for(self.seed, &[stream::TEMPLATES, u64::from(u)]);
                let n = self.plan.templates_per_user as usize;
                for (i, (name, kind, subject)) in TEMPLATES.iter().take(n).enumerate() {
                    let created = user.created + rng.random_range(0..30 * DAY_MS);
                    out.push(Row::Template(TemplateRow {
                        id: uuid7(&mut rng, created),
                        user_id: user.id.clone(),
                        name,
                        subject,
                        body: self.letter(&mut rng, "{{firstName}}", "{{senderName}}", 1024, 3072),
                        kind,
                        is_default: i + 1 == n,
                        created,
                    }));
                }
            }
            Table::History => {
                for (c, contact) in self.contacts(u, &user).iter().enumerate() {
                    let c = c as u32;
                    let mut rng = rng_for(self.seed, &[stream::HISTORY, u64::from(u), u64::from(c)]);
                    for (at, sent) in self.history_skeleton(u, c, contact.created) {
                        let (to, from) = if sent {
                            (contact.first, user.name.as_str())
                        } else {
                            ("there", &contact.name[..])
                        };
                        let subject = Self::subject(&mut rng);
                        out.push(Row::Entry(EntryRow {
                            id: uuid7(&mut rng, at),
                            user_id: user.id.clone(),
                            contact_id: contact.id.clone(),
                            content: self.letter(&mut rng, to, from, 2048, 4096),
                            direction: if sent { "SENT" } else { "RECEIVED" },
                            at,
                            metadata: serde_json::json!({ "subject": subject }).to_string(),
                        }));
                    }
                }
            }
            Table::Emails => {
                for (c, contact) in self.contacts(u, &user).iter().enumerate() {
                    let mut rng = rng_for(self.seed, &[stream::EMAILS, u64::from(u), c as u64]);
                    for _ in 0..self.plan.emails_per_contact {
                        out.push(Row::Email(Box::new(self.email(&mut rng, &user, contact))));
                    }
                }
            }
        }
    }

    fn email(&self, rng: &mut StdRng, user: &GenUser, contact: &GenContact) -> EmailRow {
        let created = rng.random_range(contact.created..END);
        let status = match rng.random_range(0..20) {
            0..=11 => "SENT",
            12..=15 => "DRAFT",
            16 => "FAILED",
            _ => "CANCELLED",
        };
        let template_type = match rng.random_range(0..20) {
            0..=5 => Some("FORMAL"),
            6..=11 => Some("CASUAL"),
            12..=15 => Some("AI_GENERATED"),
            16..=17 => Some("TEMPLATE_BASED"),
            18 => Some("CUSTOM"),
            _ => None,
        };
        let generated =
            matches!(template_type, Some("FORMAL" | "CASUAL" | "AI_GENERATED" | "TEMPLATE_BASED"));
        let provider = generated.then(|| PROVIDERS[rng.random_range(0..PROVIDERS.len())]);
        let tokens = provider.map(|p| if p == "builtin" { 0 } else { rng.random_range(250..1600) });
        let sent_at =
            (status == "SENT").then(|| (created + rng.random_range(60_000..2 * DAY_MS)).min(END - 1));
        let opened_at =
            sent_at.filter(|_| rng.random_bool(0.5)).map(|t| t + rng.random_range(60_000..3 * DAY_MS));
        let replied_at =
            opened_at.filter(|_| rng.random_bool(0.4)).map(|t| t + rng.random_range(60_000..DAY_MS));
        let updated =
            [Some(created), sent_at, opened_at, replied_at].into_iter().flatten().max().unwrap_or(created);
        EmailRow {
            id: uuid7(rng, created),
            user_id: user.id.clone(),
            contact_id: contact.id.clone(),
            subject: Self::subject(rng),
            body: self.letter(rng, contact.first, &user.name, 2048, 5120),
            status,
            template_type,
            provider,
            tokens,
            generated_at: generated.then_some(created),
            sent_at,
            opened_at,
            replied_at,
            created,
            updated,
            attempts: match status {
                "SENT" => 1,
                "FAILED" => 3,
                _ => 0,
            },
            last_error: (status == "FAILED").then_some("550 5.1.1 mailbox unavailable (bench data)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Scale;
    use super::*;

    fn generator(seed: u64) -> Generator {
        Generator::new(seed, Scale::Small.plan(), "hash".into())
    }

    fn copy_of(g: &Generator, table: Table) -> Vec<u8> {
        let mut out = super::super::rows::CopyText::default();
        for u in 0..g.plan.users {
            let mut rows = Vec::new();
            g.rows(table, u, &mut rows);
            rows.iter().for_each(|r| r.copy(&mut out));
        }
        out.0
    }

    #[test]
    fn the_same_seed_generates_the_same_rows_and_another_seed_does_not() {
        for table in Table::ALL {
            assert_eq!(copy_of(&generator(7), table), copy_of(&generator(7), table), "{table:?}");
        }
        assert_ne!(copy_of(&generator(7), Table::Emails), copy_of(&generator(8), Table::Emails));
    }

    #[test]
    fn rows_have_one_field_per_column_and_bodies_of_two_to_five_kib() {
        let g = generator(1);
        for table in Table::ALL {
            let text = String::from_utf8(copy_of(&g, table)).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len() as u64, g.plan.rows(table), "{table:?}");
            for line in lines {
                assert_eq!(line.split('\t').count(), table.columns().len(), "{table:?}: {line}");
            }
        }
        let mut rows = Vec::new();
        g.rows(Table::Emails, 0, &mut rows);
        for row in &rows {
            let Row::Email(e) = row else { panic!("not an email") };
            assert!((2048..=5120).contains(&e.body.len()), "{}", e.body.len());
            assert!((START..END).contains(&e.created));
            assert!(e.id.as_bytes()[14] == b'7', "UUIDv7-shaped: {}", e.id);
        }
    }
}
