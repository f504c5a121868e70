//! Members, groups, organisations and contact points.

use godwit_domain::Timestamp;
use godwit_domain::member::{
    AgencyKind, ContactFunction, ContactPoint, Member, MemberCode, MemberGroup, MemberKind, Organisation,
};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

use crate::schema::{ContactPoints, GroupMembers, MemberGroups, Members, Organisations};
use crate::{Store, StoreError};

#[derive(sqlx::FromRow)]
struct MemberRow {
    code: String,
    name: String,
    kind: String,
}

impl MemberRow {
    fn into_member(self) -> Result<Member, StoreError> {
        let kind =
            MemberKind::parse(&self.kind).ok_or_else(|| StoreError::Corrupt(format!("member kind {}", self.kind)))?;
        Ok(Member { code: MemberCode(self.code), name: self.name, kind })
    }
}

#[derive(sqlx::FromRow)]
struct OrganisationRow {
    id: String,
    member_code: String,
    name: String,
    agency: String,
}

impl OrganisationRow {
    fn into_organisation(self) -> Result<Organisation, StoreError> {
        Ok(Organisation {
            id: crate::parse_uuid(&self.id)?,
            member: MemberCode(self.member_code),
            name: self.name,
            agency: AgencyKind::parse(&self.agency)
                .ok_or_else(|| StoreError::Corrupt(format!("agency {}", self.agency)))?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: String,
    member_code: String,
    organisation_id: Option<String>,
    function: String,
    name: String,
    email: String,
    phone: Option<String>,
    accredited_until: i64,
}

impl ContactRow {
    fn into_contact(self) -> Result<ContactPoint, StoreError> {
        Ok(ContactPoint {
            id: crate::parse_uuid(&self.id)?,
            member: MemberCode(self.member_code),
            organisation: self.organisation_id.as_deref().map(crate::parse_uuid).transpose()?,
            function: ContactFunction::parse(&self.function)
                .ok_or_else(|| StoreError::Corrupt(format!("contact function {}", self.function)))?,
            name: self.name,
            email: self.email,
            phone: self.phone,
            accredited_until: Timestamp(self.accredited_until),
        })
    }
}

impl Store {
    /// Adds a member, or renames it if the code exists.
    pub async fn upsert_member(&self, member: &Member) -> Result<(), StoreError> {
        let now = self.clock().now();
        self.pool
            .target()
            .execute(
                Query::insert()
                    .into_table(Members::Table)
                    .columns([Members::Code, Members::Name, Members::Kind, Members::CreatedAt])
                    .values_panic([
                        member.code.as_str().into(),
                        member.name.as_str().into(),
                        member.kind.as_str().into(),
                        now.0.into(),
                    ])
                    .on_conflict(
                        OnConflict::column(Members::Code).update_columns([Members::Name, Members::Kind]).to_owned(),
                    ),
            )
            .await?;
        Ok(())
    }

    pub async fn members(&self) -> Result<Vec<Member>, StoreError> {
        let rows: Vec<MemberRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([Members::Code, Members::Name, Members::Kind])
                    .from(Members::Table)
                    .order_by(Members::Code, Order::Asc),
            )
            .await?;
        rows.into_iter().map(MemberRow::into_member).collect()
    }

    pub async fn member(&self, code: &MemberCode) -> Result<Member, StoreError> {
        let row: Option<MemberRow> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns([Members::Code, Members::Name, Members::Kind])
                    .from(Members::Table)
                    .and_where(Expr::col(Members::Code).eq(code.as_str())),
            )
            .await?;
        row.ok_or(StoreError::NotFound("member"))?.into_member()
    }

    /// Creates or replaces a group and its membership.
    pub async fn put_group(&self, group: &MemberGroup) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(MemberGroups::Table)
                    .columns([MemberGroups::Code, MemberGroups::Name])
                    .values_panic([group.code.as_str().into(), group.name.as_str().into()])
                    .on_conflict(OnConflict::column(MemberGroups::Code).update_column(MemberGroups::Name).to_owned()),
            )
            .await?;
        tx.target()
            .execute(
                Query::delete()
                    .from_table(GroupMembers::Table)
                    .and_where(Expr::col(GroupMembers::GroupCode).eq(group.code.as_str())),
            )
            .await?;
        if !group.members.is_empty() {
            let mut insert = Query::insert();
            insert.into_table(GroupMembers::Table).columns([GroupMembers::GroupCode, GroupMembers::MemberCode]);
            for member in &group.members {
                insert.values_panic([group.code.as_str().into(), member.as_str().into()]);
            }
            tx.target().execute(&insert).await?;
        }
        tx.commit().await
    }

    pub async fn groups(&self) -> Result<Vec<MemberGroup>, StoreError> {
        let groups: Vec<(String, String)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([MemberGroups::Code, MemberGroups::Name])
                    .from(MemberGroups::Table)
                    .order_by(MemberGroups::Code, Order::Asc),
            )
            .await?;
        let links: Vec<(String, String)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([GroupMembers::GroupCode, GroupMembers::MemberCode])
                    .from(GroupMembers::Table)
                    .order_by(GroupMembers::MemberCode, Order::Asc),
            )
            .await?;
        Ok(groups
            .into_iter()
            .map(|(code, name)| MemberGroup {
                members: links.iter().filter(|(g, _)| *g == code).map(|(_, m)| MemberCode(m.clone())).collect(),
                code,
                name,
            })
            .collect())
    }

    /// The codes of the groups `member` belongs to.
    pub async fn groups_of(&self, member: &MemberCode) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .column(GroupMembers::GroupCode)
                    .from(GroupMembers::Table)
                    .and_where(Expr::col(GroupMembers::MemberCode).eq(member.as_str())),
            )
            .await?;
        Ok(rows.into_iter().map(|(g,)| g).collect())
    }

    pub async fn put_organisation(&self, org: &Organisation) -> Result<(), StoreError> {
        self.pool
            .target()
            .execute(
                Query::insert()
                    .into_table(Organisations::Table)
                    .columns([Organisations::Id, Organisations::MemberCode, Organisations::Name, Organisations::Agency])
                    .values_panic([
                        org.id.to_string().into(),
                        org.member.as_str().into(),
                        org.name.as_str().into(),
                        org.agency.as_str().into(),
                    ])
                    .on_conflict(
                        OnConflict::column(Organisations::Id)
                            .update_columns([Organisations::Name, Organisations::Agency])
                            .to_owned(),
                    ),
            )
            .await?;
        Ok(())
    }

    /// Organisations, of one member or of all.
    pub async fn organisations(&self, member: Option<&MemberCode>) -> Result<Vec<Organisation>, StoreError> {
        let mut query = Query::select();
        query
            .columns([Organisations::Id, Organisations::MemberCode, Organisations::Name, Organisations::Agency])
            .from(Organisations::Table)
            .order_by(Organisations::MemberCode, Order::Asc)
            .order_by(Organisations::Name, Order::Asc);
        if let Some(member) = member {
            query.and_where(Expr::col(Organisations::MemberCode).eq(member.as_str()));
        }
        let rows: Vec<OrganisationRow> = self.pool.target().fetch_all(&query).await?;
        rows.into_iter().map(OrganisationRow::into_organisation).collect()
    }

    pub async fn organisation(&self, id: Uuid) -> Result<Organisation, StoreError> {
        let row: Option<OrganisationRow> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns([Organisations::Id, Organisations::MemberCode, Organisations::Name, Organisations::Agency])
                    .from(Organisations::Table)
                    .and_where(Expr::col(Organisations::Id).eq(id.to_string())),
            )
            .await?;
        row.ok_or(StoreError::NotFound("organisation"))?.into_organisation()
    }

    pub async fn put_contact_point(&self, contact: &ContactPoint) -> Result<(), StoreError> {
        let mut errors = godwit_domain::ValidationErrors::default();
        contact.validate(&mut errors);
        errors.into_result()?;
        self.pool
            .target()
            .execute(
                Query::insert()
                    .into_table(ContactPoints::Table)
                    .columns([
                        ContactPoints::Id,
                        ContactPoints::MemberCode,
                        ContactPoints::OrganisationId,
                        ContactPoints::Function,
                        ContactPoints::Name,
                        ContactPoints::Email,
                        ContactPoints::Phone,
                        ContactPoints::AccreditedUntil,
                    ])
                    .values_panic([
                        contact.id.to_string().into(),
                        contact.member.as_str().into(),
                        contact.organisation.map(|o| o.to_string()).into(),
                        contact.function.as_str().into(),
                        contact.name.as_str().into(),
                        contact.email.as_str().into(),
                        contact.phone.clone().into(),
                        contact.accredited_until.0.into(),
                    ])
                    .on_conflict(
                        OnConflict::column(ContactPoints::Id)
                            .update_columns([
                                ContactPoints::OrganisationId,
                                ContactPoints::Function,
                                ContactPoints::Name,
                                ContactPoints::Email,
                                ContactPoints::Phone,
                                ContactPoints::AccreditedUntil,
                            ])
                            .to_owned(),
                    ),
            )
            .await?;
        Ok(())
    }

    /// The directory of contact points, of one member or of all.
    pub async fn contact_points(&self, member: Option<&MemberCode>) -> Result<Vec<ContactPoint>, StoreError> {
        let mut query = Query::select();
        query
            .columns([
                ContactPoints::Id,
                ContactPoints::MemberCode,
                ContactPoints::OrganisationId,
                ContactPoints::Function,
                ContactPoints::Name,
                ContactPoints::Email,
                ContactPoints::Phone,
                ContactPoints::AccreditedUntil,
            ])
            .from(ContactPoints::Table)
            .order_by(ContactPoints::MemberCode, Order::Asc)
            .order_by(ContactPoints::Function, Order::Asc);
        if let Some(member) = member {
            query.and_where(Expr::col(ContactPoints::MemberCode).eq(member.as_str()));
        }
        let rows: Vec<ContactRow> = self.pool.target().fetch_all(&query).await?;
        rows.into_iter().map(ContactRow::into_contact).collect()
    }
}
