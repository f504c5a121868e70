//! Counts for dashboards and charts. Every count goes through the same
//! pushed-down access policy as lists, so a chart never reveals how many items
//! exist that its viewer may not read.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::Timestamp;
use godwit_domain::item::{ItemKind, ItemState};
use godwit_domain::member::MemberCode;
use godwit_domain::user::Subject;
use sea_query::{Expr, ExprTrait, Func};
use serde::Serialize;

use crate::items::ItemFilter;
use crate::schema::Items;
use crate::{Store, StoreError};

/// Items one member published in one calendar month (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthlyCount {
    /// `2026-11`.
    pub month: String,
    pub member: MemberCode,
    pub count: u64,
}

/// Items of one kind one member published in one calendar month (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindMonthlyCount {
    /// `2026-11`.
    pub month: String,
    pub member: MemberCode,
    pub kind: ItemKind,
    pub count: u64,
}

/// The calendar month (UTC) of an instant, `2026-11`.
pub fn month_of(at: Timestamp) -> String {
    let date = at.to_datetime().date();
    format!("{:04}-{:02}", date.year(), u8::from(date.month()))
}

/// The last `months` calendar months up to the one holding `now`, as `2026-11`.
pub(crate) fn months_back(now: Timestamp, months: u32) -> BTreeSet<String> {
    (0..months).map(|back| month_start(now, back).1).collect()
}

/// The first instant of the month `back` months before the one holding `now`.
fn month_start(now: Timestamp, back: u32) -> (Timestamp, String) {
    let date = now.to_datetime().date();
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 - i64::from(back);
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    let first = time::Date::from_calendar_date(
        i32::try_from(year).unwrap_or(1970),
        time::Month::try_from(u8::try_from(month).unwrap_or(1)).unwrap_or(time::Month::January),
        1,
    )
    .unwrap_or(date);
    (Timestamp::from_datetime(first.midnight().assume_utc()), format!("{year:04}-{month:02}"))
}

impl Store {
    /// How many items each member published in each of the last `months`
    /// calendar months (this one included), counting only items `subject` may
    /// read; oldest month first, members in code order.
    pub async fn contributions(&self, subject: &Subject, months: u32) -> Result<Vec<MonthlyCount>, StoreError> {
        let mut totals: BTreeMap<(String, MemberCode), u64> = BTreeMap::new();
        for c in self.contributions_by_kind(subject, months).await? {
            *totals.entry((c.month, c.member)).or_default() += c.count;
        }
        Ok(totals.into_iter().map(|((month, member), count)| MonthlyCount { month, member, count }).collect())
    }

    /// [`Store::contributions`] by kind of item: the Framework's measures
    /// (records, alerts, reports per member and month) are these counts.
    pub async fn contributions_by_kind(
        &self,
        subject: &Subject,
        months: u32,
    ) -> Result<Vec<KindMonthlyCount>, StoreError> {
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        let mut out = Vec::new();
        for back in (0..months).rev() {
            let (start, month) = month_start(now, back);
            let (end, _) = if back == 0 { (Timestamp(i64::MAX), String::new()) } else { month_start(now, back - 1) };
            let mut query = self.filtered_select(subject, &agreements, &ItemFilter::default());
            query
                .column((Items::Table, Items::OriginatorMember))
                .column((Items::Table, Items::Kind))
                .expr(Func::count(Expr::col((Items::Table, Items::Id))))
                .and_where(Expr::col((Items::Table, Items::State)).is_in([
                    ItemState::Published.as_str(),
                    ItemState::Superseded.as_str(),
                    ItemState::Withdrawn.as_str(),
                ]))
                .and_where(Expr::col((Items::Table, Items::PublishedAt)).gte(start.0))
                .and_where(Expr::col((Items::Table, Items::PublishedAt)).lt(end.0))
                .group_by_col((Items::Table, Items::OriginatorMember))
                .group_by_col((Items::Table, Items::Kind))
                .order_by((Items::Table, Items::OriginatorMember), sea_query::Order::Asc)
                .order_by((Items::Table, Items::Kind), sea_query::Order::Asc);
            let rows: Vec<(String, String, i64)> = self.pool.target().fetch_all(&query).await?;
            for (member, kind, count) in rows {
                let (Some(member), Some(kind)) = (MemberCode::parse(&member), ItemKind::parse(&kind)) else { continue };
                out.push(KindMonthlyCount {
                    month: month.clone(),
                    member,
                    kind,
                    count: u64::try_from(count).unwrap_or(0),
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_step_back_across_years() {
        let now = Timestamp::parse_rfc3339("2026-02-14T10:00:00Z").expect("a time");
        assert_eq!(month_start(now, 0).1, "2026-02");
        assert_eq!(month_start(now, 1).1, "2026-01");
        assert_eq!(month_start(now, 2).1, "2025-12");
        assert_eq!(month_start(now, 14).1, "2024-12");
        assert_eq!(month_start(now, 0).0, Timestamp::parse_rfc3339("2026-02-01T00:00:00Z").expect("a time"));
    }
}
