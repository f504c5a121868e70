//! The schema, as sea-query definitions rendered for both backends, and the
//! migrations that bring a database up to date at start.

use sea_query::ExprTrait;
use sea_query::{
    ColumnDef, Iden, Index, IndexCreateStatement, IndexDropStatement, PostgresQueryBuilder, SqliteQueryBuilder, Table,
    TableAlterStatement, TableCreateStatement,
};

use crate::StoreError;
use crate::db::{Backend, Pool};

#[derive(Iden, Clone, Copy)]
pub enum Members {
    Table,
    Code,
    Name,
    Kind,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum MemberGroups {
    Table,
    Code,
    Name,
}

#[derive(Iden, Clone, Copy)]
pub enum GroupMembers {
    Table,
    GroupCode,
    MemberCode,
}

#[derive(Iden, Clone, Copy)]
pub enum Organisations {
    Table,
    Id,
    MemberCode,
    Name,
    Agency,
}

#[derive(Iden, Clone, Copy)]
pub enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    Email,
    MemberCode,
    OrganisationId,
    Roles,
    Clearance,
    Disabled,
    PasswordHash,
    TotpSecret,
    TotpEnabled,
    FailedLogins,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Sessions {
    Table,
    IdHash,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
    Revoked,
    UserAgent,
}

#[derive(Iden, Clone, Copy)]
pub enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Scopes,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    Revoked,
}

#[derive(Iden, Clone, Copy)]
pub enum ContactPoints {
    Table,
    Id,
    MemberCode,
    OrganisationId,
    Function,
    Name,
    Email,
    Phone,
    AccreditedUntil,
}

#[derive(Iden, Clone, Copy)]
pub enum Agreements {
    Table,
    Id,
    Title,
    Kind,
    Status,
    MaxClassification,
    PersonalData,
    ThirdPartyRule,
    ValidFrom,
    ValidUntil,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AgreementParties {
    Table,
    AgreementId,
    MemberCode,
}

/// Which parties have confirmed an agreement; it comes into force when all have.
#[derive(Iden, Clone, Copy)]
pub enum AgreementConfirmations {
    Table,
    AgreementId,
    MemberCode,
    ConfirmedBy,
    ConfirmedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AgreementCategories {
    Table,
    AgreementId,
    Category,
}

#[derive(Iden, Clone, Copy)]
pub enum Items {
    Table,
    Id,
    Kind,
    Category,
    OriginatorMember,
    OriginatorOrg,
    Author,
    State,
    Classification,
    Tlp,
    CaveatNoThirdParty,
    CaveatNotForJudicialUse,
    CaveatPersonalData,
    ValidFrom,
    ValidUntil,
    Title,
    Summary,
    Body,
    Details,
    Grading,
    Tags,
    Countries,
    Environment,
    Version,
    Supersedes,
    SupersededBy,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    ApprovedBy,
    ReturnComment,
    WithdrawnReason,
}

#[derive(Iden, Clone, Copy)]
pub enum ItemReleaseMembers {
    Table,
    ItemId,
    MemberCode,
}

#[derive(Iden, Clone, Copy)]
pub enum ItemReleaseGroups {
    Table,
    ItemId,
    GroupCode,
}

#[derive(Iden, Clone, Copy)]
pub enum ItemReleaseOrgs {
    Table,
    ItemId,
    OrganisationId,
}

/// Every change to an item, with a snapshot of its content after the change
/// (empty in the newest entries while the item is unchanged: see
/// `items::write_history`).
#[derive(Iden, Clone, Copy)]
pub enum ItemHistory {
    Table,
    Id,
    ItemId,
    At,
    Actor,
    Action,
    Comment,
    Snapshot,
}

#[derive(Iden, Clone, Copy)]
pub enum Attachments {
    Table,
    Id,
    ItemId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Data,
    UploadedBy,
    UploadedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Audit {
    Table,
    Seq,
    At,
    ActorUser,
    ActorMember,
    Action,
    Target,
    Detail,
    PrevHash,
    Hash,
}

/// One row (id = 1) pointing at the newest audit record; writers lock it, which
/// serialises appends to the chain (and to the outbox) across server processes.
#[derive(Iden, Clone, Copy)]
pub enum AuditHead {
    Table,
    Id,
    Seq,
    Hash,
}

#[derive(Iden, Clone, Copy)]
pub enum Outbox {
    Table,
    Id,
    ItemId,
    Op,
    At,
}

/// Signed copies of agreements (the MoU as signed), kept like item attachments.
#[derive(Iden, Clone, Copy)]
pub enum AgreementDocuments {
    Table,
    Id,
    AgreementId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Data,
    UploadedBy,
    UploadedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ScreeningLists {
    Table,
    Id,
    MemberCode,
    Kind,
    Name,
    Category,
    Classification,
    Tlp,
    ReleaseMembers,
    ReleaseGroups,
    Entries,
    Size,
    Sha256,
    Content,
    UploadedBy,
    UploadedOrg,
    UploadedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum SavedSearches {
    Table,
    Id,
    OwnerUser,
    Name,
    Query,
    NotifyPortal,
    NotifyEmail,
    WebhookUrl,
    /// The outbox position up to which new items were matched.
    Mark,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Notifications {
    Table,
    Id,
    UserId,
    SavedSearchId,
    ItemId,
    ItemVersion,
    Title,
    Portal,
    CreatedAt,
    ReadAt,
    /// What raised it (version 12): `saved_search`, `displacement`, `requirement`.
    Kind,
    /// What it is about, unique per user (version 12): a notification happens
    /// once per recipient and topic, whichever server process records it.
    Topic,
}

/// The channels by which a user takes the notifications no saved search
/// raised (early warning, collection plans), besides the portal (version 12).
#[derive(Iden, Clone, Copy)]
pub enum NoticeChannels {
    Table,
    UserId,
    NotifyEmail,
    WebhookUrl,
    UpdatedAt,
}

/// Outbox positions up to which a notifier pass has looked (version 12), by
/// pass name; moved with a compare-and-set.
#[derive(Iden, Clone, Copy)]
pub enum NotifierMarks {
    Table,
    Name,
    Mark,
}

#[derive(Iden, Clone, Copy)]
pub enum Deliveries {
    Table,
    Id,
    NotificationId,
    SavedSearchId,
    Channel,
    State,
    Attempts,
    LastError,
    NextAt,
    ClaimedUntil,
    UpdatedAt,
}

/// The analysable facts of each incident record's current content (version 5),
/// written with the item so that trend and route queries need no JSON.
#[derive(Iden, Clone, Copy)]
pub enum IncidentFacts {
    Table,
    ItemId,
    OriginatorMember,
    Category,
    Environment,
    OccurredOn,
    OccurredMonth,
    Persons,
    Origin,
    Destination,
    Transport,
    MethodType,
    OutcomeType,
    FeeAmount,
    FeeCurrency,
    Facilitators,
    ImportKey,
}

/// Persons of an incident by nationality, sex and age band.
#[derive(Iden, Clone, Copy)]
pub enum IncidentPersons {
    Table,
    ItemId,
    Nationality,
    Sex,
    AgeBand,
    Count,
}

/// Route legs of an incident in travel order.
#[derive(Iden, Clone, Copy)]
pub enum IncidentLegs {
    Table,
    ItemId,
    Seq,
    Role,
    Country,
}

/// Documents used in an incident.
#[derive(Iden, Clone, Copy)]
pub enum IncidentDocuments {
    Table,
    ItemId,
    Seq,
    DocumentType,
    IssuingState,
    FraudType,
}

/// The policy classes of counted incident records (version 8): what `decide`
/// reads of an envelope, as JSON, under an id derived from it.
#[derive(Iden, Clone, Copy)]
pub enum IncidentClasses {
    Table,
    Id,
    Envelope,
}

/// The published incident records the rollups count, with their class.
#[derive(Iden, Clone, Copy)]
pub enum IncidentCounted {
    Table,
    ItemId,
    ClassId,
}

/// Records and persons per dimension, policy class, month and value.
#[derive(Iden, Clone, Copy)]
pub enum IncidentRollup {
    Table,
    Dimension,
    ClassId,
    Month,
    Value,
    Incidents,
    Persons,
}

/// Collection templates members adapted from the built-in ones.
#[derive(Iden, Clone, Copy)]
pub enum CollectionTemplates {
    Table,
    MemberCode,
    Code,
    Name,
    Definition,
    UpdatedBy,
    UpdatedAt,
}

/// Saved column mappings (sheet header → template field) per member and template.
#[derive(Iden, Clone, Copy)]
pub enum ImportMappings {
    Table,
    MemberCode,
    TemplateCode,
    Mapping,
    UpdatedAt,
}

/// Intelligence requirements of collection plans (version 8).
#[derive(Iden, Clone, Copy)]
pub enum Requirements {
    Table,
    Id,
    OwnerMember,
    Reference,
    Question,
    Priority,
    Indicators,
    DueOn,
    RequestingMembers,
    ReleaseMembers,
    ReleaseGroups,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

/// Items linked to a requirement as evidence, with the indicators they bear on.
#[derive(Iden, Clone, Copy)]
pub enum RequirementLinks {
    Table,
    RequirementId,
    ItemId,
    Indicators,
    LinkedBy,
    LinkedMember,
    LinkedAt,
}

/// Threats members added to the seeded taxonomy (version 10).
#[derive(Iden, Clone, Copy)]
pub enum Threats {
    Table,
    Code,
    Name,
    Description,
    AddedByMember,
    AddedBy,
    AddedAt,
}

/// The columns of every table of documents kept in versions
/// (`godwit_domain::document::Versioned`): what their authors wrote and
/// chose as JSON, with its title for lists.
#[derive(Iden, Clone, Copy)]
pub enum Documents {
    Id,
    Member,
    Organisation,
    CreatedBy,
    Title,
    Draft,
    Version,
    CreatedAt,
    UpdatedBy,
    UpdatedAt,
}

/// The columns of every table of a document's saved versions (its history),
/// beside the one naming the document.
#[derive(Iden, Clone, Copy)]
pub enum DocumentVersions {
    Version,
    Draft,
    ChangedBy,
    ChangedMember,
    ChangedAt,
}

/// Annual threat assessments (`godwit_domain::assessment::AssessmentDraft`):
/// the columns of [`Documents`], with the year for lists.
#[derive(Iden, Clone, Copy)]
pub enum Assessments {
    Table,
    Year,
}

/// Every saved version of an assessment: [`DocumentVersions`].
#[derive(Iden, Clone, Copy)]
pub enum AssessmentVersions {
    Table,
    AssessmentId,
}

/// Bulletins (version 16; `godwit_domain::bulletin::BulletinDraft`): the
/// columns of [`Documents`], with the edition and first month (`2026-10`)
/// for lists.
#[derive(Iden, Clone, Copy)]
pub enum Bulletins {
    Table,
    Edition,
    Period,
}

/// Every saved version of a bulletin: [`DocumentVersions`].
#[derive(Iden, Clone, Copy)]
pub enum BulletinVersions {
    Table,
    BulletinId,
}

/// Members' threat and risk registers: one per member, with an item's markings.
#[derive(Iden, Clone, Copy)]
pub enum ThreatRegisters {
    Table,
    Id,
    Member,
    Organisation,
    CreatedBy,
    Title,
    Category,
    Classification,
    Tlp,
    Caveats,
    Release,
    Method,
    CreatedAt,
    UpdatedAt,
}

/// The assessment of one threat in one register.
#[derive(Iden, Clone, Copy)]
pub enum ThreatEntries {
    Table,
    Id,
    RegisterId,
    ThreatCode,
    Assessment,
    Likelihood,
    Consequence,
    Trend,
    Mitigations,
    ReviewOn,
    UpdatedBy,
    UpdatedAt,
}

/// Items and incident records linked to an entry as evidence.
#[derive(Iden, Clone, Copy)]
pub enum ThreatEvidence {
    Table,
    EntryId,
    ItemId,
    LinkedBy,
    LinkedAt,
}

/// Every change of a register: who, when, before and after (JSON).
#[derive(Iden, Clone, Copy)]
pub enum ThreatChanges {
    Table,
    Id,
    RegisterId,
    ThreatCode,
    ItemId,
    Action,
    ChangedBy,
    ChangedMember,
    ChangedAt,
    Before,
    After,
}

/// Requests for information between members (version 11).
#[derive(Iden, Clone, Copy)]
pub enum Rfis {
    Table,
    Id,
    RequesterMember,
    CreatedBy,
    Title,
    Question,
    Priority,
    DueOn,
    Classification,
    RecipientKind,
    RecipientCode,
    ReleaseMembers,
    ReleaseGroups,
    State,
    RespondingMember,
    Assignee,
    AnswerItem,
    AnsweredBy,
    DeclineReason,
    RatingScore,
    RatingComment,
    CreatedAt,
    UpdatedAt,
    RespondedAt,
}

/// The timeline of a request: one row per step, numbered from 1.
#[derive(Iden, Clone, Copy)]
pub enum RfiEvents {
    Table,
    RfiId,
    Seq,
    At,
    ActorUser,
    ActorMember,
    Action,
    Detail,
}

/// Members contributing their incident counts to a region's aggregates
/// (version 13): one row per region (member group) and member while opted in.
#[derive(Iden, Clone, Copy)]
pub enum RegionalContributions {
    Table,
    GroupCode,
    MemberCode,
    /// The highest classification (rank) of the records the member contributes.
    Ceiling,
    OptedInBy,
    OptedInAt,
}

/// Questionnaires of member capacity surveys (version 14); the design is
/// kept whole as JSON (`godwit_domain::survey::QuestionnaireDraft`).
#[derive(Iden, Clone, Copy)]
pub enum SurveyQuestionnaires {
    Table,
    Id,
    Member,
    Organisation,
    CreatedBy,
    State,
    ClosesOn,
    Definition,
    CreatedAt,
    UpdatedAt,
}

/// One member's response to a questionnaire (version 14): answers,
/// delegated sections and markings as JSON.
#[derive(Iden, Clone, Copy)]
pub enum SurveyResponses {
    Table,
    Id,
    QuestionnaireId,
    Member,
    Organisation,
    State,
    Answers,
    Delegations,
    Marking,
    ReturnedReason,
    SubmittedBy,
    ApprovedBy,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
}

/// This node's federation identity: the member it speaks for, its Ed25519
/// seed and X25519 secret, both sealed under the secret key. One row, `id = 'node'`.
#[derive(Iden, Clone, Copy)]
pub enum NodeIdentity {
    Table,
    Id,
    Member,
    SigningKey,
    EncryptionKey,
    CreatedAt,
}

/// Nodes this node federates with: the member each speaks for, where it
/// answers (or the hub it is reached through), its public keys, and how far
/// this node has pulled from it.
#[derive(Iden, Clone, Copy)]
pub enum Peers {
    Table,
    Member,
    Url,
    Via,
    SigningKey,
    EncryptionKey,
    Cursor,
    CreatedAt,
    UpdatedAt,
}

/// Sealed pages this node relays as a hub, from one member's node to
/// another's, kept until the recipient has pulled past them.
#[derive(Iden, Clone, Copy)]
pub enum RelayEnvelopes {
    Table,
    FromMember,
    ToMember,
    After,
    Cursor,
    Envelope,
    ReceivedAt,
}

/// Items this node has released to a peer's member and not revoked since.
#[derive(Iden, Clone, Copy)]
pub enum PeerReleases {
    Table,
    PeerMember,
    ItemId,
}

#[derive(Iden, Clone, Copy)]
pub enum SchemaMigrations {
    Table,
    Version,
    AppliedAt,
}

fn text(col: impl Iden + 'static) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

fn opt_text(col: impl Iden + 'static) -> ColumnDef {
    ColumnDef::new(col).text().null().to_owned()
}

fn int(col: impl Iden + 'static) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn opt_int(col: impl Iden + 'static) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
}

fn flag(col: impl Iden + 'static) -> ColumnDef {
    ColumnDef::new(col).boolean().not_null().default(false).to_owned()
}

fn pk_text(col: impl Iden + 'static) -> ColumnDef {
    ColumnDef::new(col).text().not_null().primary_key().to_owned()
}

/// A link table `(a, b)` whose primary key is both columns.
fn link(
    table: impl Iden + Copy + 'static,
    a: impl Iden + Copy + 'static,
    b: impl Iden + Copy + 'static,
) -> TableCreateStatement {
    Table::create().table(table).col(text(a)).col(text(b)).primary_key(Index::create().col(a).col(b)).to_owned()
}

fn index(name: &str, table: impl Iden + 'static, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(sea_query::Alias::new(*col));
    }
    stmt.to_owned()
}

// Built once at start-up and rendered straight away: size does not matter.
#[allow(clippy::large_enum_variant)]
enum Step {
    Table(TableCreateStatement),
    Index(IndexCreateStatement),
    AlterTable(TableAlterStatement),
    DropIndex(IndexDropStatement),
}

/// Version 1: members, people, agreements, items, audit and outbox.
fn version_1() -> Vec<Step> {
    use Step::{Index as Idx, Table as T};
    vec![
        T(Table::create()
            .table(Members::Table)
            .col(pk_text(Members::Code))
            .col(text(Members::Name))
            .col(text(Members::Kind))
            .col(int(Members::CreatedAt))
            .to_owned()),
        T(Table::create()
            .table(MemberGroups::Table)
            .col(pk_text(MemberGroups::Code))
            .col(text(MemberGroups::Name))
            .to_owned()),
        T(link(GroupMembers::Table, GroupMembers::GroupCode, GroupMembers::MemberCode)),
        Idx(index("group_members_by_member", GroupMembers::Table, &["member_code"])),
        T(Table::create()
            .table(Organisations::Table)
            .col(pk_text(Organisations::Id))
            .col(text(Organisations::MemberCode))
            .col(text(Organisations::Name))
            .col(text(Organisations::Agency))
            .to_owned()),
        T(Table::create()
            .table(Users::Table)
            .col(pk_text(Users::Id))
            .col(ColumnDef::new(Users::Username).text().not_null().unique_key())
            .col(text(Users::DisplayName))
            .col(text(Users::Email))
            .col(text(Users::MemberCode))
            .col(text(Users::OrganisationId))
            .col(text(Users::Roles))
            .col(int(Users::Clearance))
            .col(flag(Users::Disabled))
            .col(text(Users::PasswordHash))
            .col(opt_text(Users::TotpSecret))
            .col(flag(Users::TotpEnabled))
            .col(int(Users::FailedLogins))
            .col(opt_int(Users::LockedUntil))
            .col(int(Users::CreatedAt))
            .col(int(Users::UpdatedAt))
            .to_owned()),
        Idx(index("users_by_member", Users::Table, &["member_code"])),
        T(Table::create()
            .table(Sessions::Table)
            .col(pk_text(Sessions::IdHash))
            .col(text(Sessions::UserId))
            .col(text(Sessions::CsrfToken))
            .col(int(Sessions::CreatedAt))
            .col(int(Sessions::ExpiresAt))
            .col(int(Sessions::LastSeenAt))
            .col(flag(Sessions::Revoked))
            .col(text(Sessions::UserAgent))
            .to_owned()),
        Idx(index("sessions_by_user", Sessions::Table, &["user_id"])),
        T(Table::create()
            .table(ApiTokens::Table)
            .col(pk_text(ApiTokens::Id))
            .col(text(ApiTokens::UserId))
            .col(text(ApiTokens::Name))
            .col(ColumnDef::new(ApiTokens::TokenHash).text().not_null().unique_key())
            .col(text(ApiTokens::Scopes))
            .col(int(ApiTokens::CreatedAt))
            .col(int(ApiTokens::ExpiresAt))
            .col(opt_int(ApiTokens::LastUsedAt))
            .col(flag(ApiTokens::Revoked))
            .to_owned()),
        T(Table::create()
            .table(ContactPoints::Table)
            .col(pk_text(ContactPoints::Id))
            .col(text(ContactPoints::MemberCode))
            .col(opt_text(ContactPoints::OrganisationId))
            .col(text(ContactPoints::Function))
            .col(text(ContactPoints::Name))
            .col(text(ContactPoints::Email))
            .col(opt_text(ContactPoints::Phone))
            .col(int(ContactPoints::AccreditedUntil))
            .to_owned()),
        T(Table::create()
            .table(Agreements::Table)
            .col(pk_text(Agreements::Id))
            .col(text(Agreements::Title))
            .col(text(Agreements::Kind))
            .col(text(Agreements::Status))
            .col(int(Agreements::MaxClassification))
            .col(flag(Agreements::PersonalData))
            .col(text(Agreements::ThirdPartyRule))
            .col(int(Agreements::ValidFrom))
            .col(opt_int(Agreements::ValidUntil))
            .col(int(Agreements::CreatedAt))
            .to_owned()),
        T(link(AgreementParties::Table, AgreementParties::AgreementId, AgreementParties::MemberCode)),
        T(link(AgreementCategories::Table, AgreementCategories::AgreementId, AgreementCategories::Category)),
        T(Table::create()
            .table(Items::Table)
            .col(pk_text(Items::Id))
            .col(text(Items::Kind))
            .col(text(Items::Category))
            .col(text(Items::OriginatorMember))
            .col(text(Items::OriginatorOrg))
            .col(text(Items::Author))
            .col(text(Items::State))
            .col(int(Items::Classification))
            .col(text(Items::Tlp))
            .col(flag(Items::CaveatNoThirdParty))
            .col(flag(Items::CaveatNotForJudicialUse))
            .col(flag(Items::CaveatPersonalData))
            .col(opt_int(Items::ValidFrom))
            .col(opt_int(Items::ValidUntil))
            .col(text(Items::Title))
            .col(text(Items::Summary))
            .col(text(Items::Body))
            .col(text(Items::Details))
            .col(opt_text(Items::Grading))
            .col(text(Items::Tags))
            .col(text(Items::Countries))
            .col(opt_text(Items::Environment))
            .col(int(Items::Version))
            .col(opt_text(Items::Supersedes))
            .col(opt_text(Items::SupersededBy))
            .col(int(Items::CreatedAt))
            .col(int(Items::UpdatedAt))
            .col(opt_int(Items::PublishedAt))
            .col(opt_text(Items::ApprovedBy))
            .col(opt_text(Items::ReturnComment))
            .col(opt_text(Items::WithdrawnReason))
            .to_owned()),
        Idx(index("items_by_update", Items::Table, &["updated_at", "id"])),
        Idx(index("items_by_originator", Items::Table, &["originator_member", "updated_at"])),
        Idx(index("items_by_state", Items::Table, &["state", "updated_at"])),
        T(link(ItemReleaseMembers::Table, ItemReleaseMembers::ItemId, ItemReleaseMembers::MemberCode)),
        Idx(index("item_release_members_by_member", ItemReleaseMembers::Table, &["member_code", "item_id"])),
        T(link(ItemReleaseGroups::Table, ItemReleaseGroups::ItemId, ItemReleaseGroups::GroupCode)),
        T(link(ItemReleaseOrgs::Table, ItemReleaseOrgs::ItemId, ItemReleaseOrgs::OrganisationId)),
        T(Table::create()
            .table(ItemHistory::Table)
            .col(pk_text(ItemHistory::Id))
            .col(text(ItemHistory::ItemId))
            .col(int(ItemHistory::At))
            .col(text(ItemHistory::Actor))
            .col(text(ItemHistory::Action))
            .col(opt_text(ItemHistory::Comment))
            .col(text(ItemHistory::Snapshot))
            .to_owned()),
        Idx(index("item_history_by_item", ItemHistory::Table, &["item_id", "at"])),
        T(Table::create()
            .table(Attachments::Table)
            .col(pk_text(Attachments::Id))
            .col(text(Attachments::ItemId))
            .col(text(Attachments::Filename))
            .col(text(Attachments::ContentType))
            .col(int(Attachments::Size))
            .col(text(Attachments::Sha256))
            .col(ColumnDef::new(Attachments::Data).blob().not_null())
            .col(text(Attachments::UploadedBy))
            .col(int(Attachments::UploadedAt))
            .to_owned()),
        Idx(index("attachments_by_item", Attachments::Table, &["item_id"])),
        T(Table::create()
            .table(Audit::Table)
            .col(ColumnDef::new(Audit::Seq).big_integer().not_null().primary_key())
            .col(int(Audit::At))
            .col(opt_text(Audit::ActorUser))
            .col(opt_text(Audit::ActorMember))
            .col(text(Audit::Action))
            .col(opt_text(Audit::Target))
            .col(text(Audit::Detail))
            .col(text(Audit::PrevHash))
            .col(text(Audit::Hash))
            .to_owned()),
        T(Table::create()
            .table(AuditHead::Table)
            .col(ColumnDef::new(AuditHead::Id).big_integer().not_null().primary_key())
            .col(int(AuditHead::Seq))
            .col(text(AuditHead::Hash))
            .to_owned()),
        T(Table::create()
            .table(Outbox::Table)
            .col(ColumnDef::new(Outbox::Id).big_integer().not_null().primary_key())
            .col(text(Outbox::ItemId))
            .col(text(Outbox::Op))
            .col(int(Outbox::At))
            .to_owned()),
    ]
}

/// A migration: the steps that bring the schema to its version.
type Migration = fn() -> Vec<Step>;

/// Version 2: confirmations of proposed agreements.
fn version_2() -> Vec<Step> {
    vec![Step::Table(
        Table::create()
            .table(AgreementConfirmations::Table)
            // Databases made by early builds already have it from version 1.
            .if_not_exists()
            .col(text(AgreementConfirmations::AgreementId))
            .col(text(AgreementConfirmations::MemberCode))
            .col(opt_text(AgreementConfirmations::ConfirmedBy))
            .col(int(AgreementConfirmations::ConfirmedAt))
            .primary_key(
                Index::create().col(AgreementConfirmations::AgreementId).col(AgreementConfirmations::MemberCode),
            )
            .to_owned(),
    )]
}

/// Version 3: saved searches, their notifications and the deliveries of those
/// by email and webhook. One notification per (search, item, version): the
/// unique index is what keeps several server processes from notifying twice.
fn version_3() -> Vec<Step> {
    use Step::{Index as Idx, Table as T};
    vec![
        T(Table::create()
            .table(SavedSearches::Table)
            .col(pk_text(SavedSearches::Id))
            .col(text(SavedSearches::OwnerUser))
            .col(text(SavedSearches::Name))
            .col(text(SavedSearches::Query))
            .col(flag(SavedSearches::NotifyPortal))
            .col(flag(SavedSearches::NotifyEmail))
            .col(opt_text(SavedSearches::WebhookUrl))
            .col(int(SavedSearches::Mark))
            .col(int(SavedSearches::CreatedAt))
            .col(int(SavedSearches::UpdatedAt))
            .to_owned()),
        Idx(index("saved_searches_by_owner", SavedSearches::Table, &["owner_user"])),
        T(Table::create()
            .table(Notifications::Table)
            .col(pk_text(Notifications::Id))
            .col(text(Notifications::UserId))
            .col(text(Notifications::SavedSearchId))
            .col(text(Notifications::ItemId))
            .col(int(Notifications::ItemVersion))
            .col(text(Notifications::Title))
            .col(flag(Notifications::Portal))
            .col(int(Notifications::CreatedAt))
            .col(opt_int(Notifications::ReadAt))
            .to_owned()),
        Idx(index("notifications_once", Notifications::Table, &["saved_search_id", "item_id", "item_version"])
            .unique()
            .to_owned()),
        Idx(index("notifications_by_user", Notifications::Table, &["user_id", "created_at"])),
        T(Table::create()
            .table(Deliveries::Table)
            .col(pk_text(Deliveries::Id))
            .col(text(Deliveries::NotificationId))
            .col(text(Deliveries::SavedSearchId))
            .col(text(Deliveries::Channel))
            .col(text(Deliveries::State))
            .col(int(Deliveries::Attempts))
            .col(opt_text(Deliveries::LastError))
            .col(int(Deliveries::NextAt))
            .col(int(Deliveries::ClaimedUntil))
            .col(int(Deliveries::UpdatedAt))
            .to_owned()),
        Idx(index("deliveries_due", Deliveries::Table, &["state", "next_at"])),
        Idx(index("deliveries_by_search", Deliveries::Table, &["saved_search_id", "updated_at"])),
    ]
}

/// Version 4: signed MoUs attached to agreements.
fn version_4() -> Vec<Step> {
    vec![
        Step::Table(
            Table::create()
                .table(AgreementDocuments::Table)
                .col(pk_text(AgreementDocuments::Id))
                .col(text(AgreementDocuments::AgreementId))
                .col(text(AgreementDocuments::Filename))
                .col(text(AgreementDocuments::ContentType))
                .col(int(AgreementDocuments::Size))
                .col(text(AgreementDocuments::Sha256))
                .col(ColumnDef::new(AgreementDocuments::Data).blob().not_null())
                .col(text(AgreementDocuments::UploadedBy))
                .col(int(AgreementDocuments::UploadedAt))
                .to_owned(),
        ),
        Step::Index(index("agreement_documents_by_agreement", AgreementDocuments::Table, &["agreement_id"])),
    ]
}

/// Version 5: the facts of incident records, for analysis; members' collection
/// templates and their saved column mappings for imports.
fn version_5() -> Vec<Step> {
    use Step::{Index as Idx, Table as T};
    vec![
        T(Table::create()
            .table(IncidentFacts::Table)
            .col(pk_text(IncidentFacts::ItemId))
            .col(text(IncidentFacts::OriginatorMember))
            .col(text(IncidentFacts::Category))
            .col(opt_text(IncidentFacts::Environment))
            .col(text(IncidentFacts::OccurredOn))
            .col(text(IncidentFacts::OccurredMonth))
            .col(int(IncidentFacts::Persons))
            .col(opt_text(IncidentFacts::Origin))
            .col(opt_text(IncidentFacts::Destination))
            .col(opt_text(IncidentFacts::Transport))
            .col(opt_text(IncidentFacts::MethodType))
            .col(opt_text(IncidentFacts::OutcomeType))
            .col(opt_int(IncidentFacts::FeeAmount))
            .col(opt_text(IncidentFacts::FeeCurrency))
            .col(int(IncidentFacts::Facilitators))
            .col(opt_text(IncidentFacts::ImportKey))
            .to_owned()),
        Idx(index("incident_facts_by_month", IncidentFacts::Table, &["occurred_month", "category"])),
        Idx(index("incident_facts_by_import_key", IncidentFacts::Table, &["originator_member", "import_key"])),
        T(Table::create()
            .table(IncidentPersons::Table)
            .col(text(IncidentPersons::ItemId))
            .col(text(IncidentPersons::Nationality))
            .col(text(IncidentPersons::Sex))
            .col(text(IncidentPersons::AgeBand))
            .col(int(IncidentPersons::Count))
            .to_owned()),
        Idx(index("incident_persons_by_item", IncidentPersons::Table, &["item_id"])),
        T(Table::create()
            .table(IncidentLegs::Table)
            .col(text(IncidentLegs::ItemId))
            .col(int(IncidentLegs::Seq))
            .col(text(IncidentLegs::Role))
            .col(text(IncidentLegs::Country))
            .primary_key(Index::create().col(IncidentLegs::ItemId).col(IncidentLegs::Seq))
            .to_owned()),
        T(Table::create()
            .table(IncidentDocuments::Table)
            .col(text(IncidentDocuments::ItemId))
            .col(int(IncidentDocuments::Seq))
            .col(text(IncidentDocuments::DocumentType))
            .col(text(IncidentDocuments::IssuingState))
            .col(opt_text(IncidentDocuments::FraudType))
            .primary_key(Index::create().col(IncidentDocuments::ItemId).col(IncidentDocuments::Seq))
            .to_owned()),
        T(Table::create()
            .table(CollectionTemplates::Table)
            .col(text(CollectionTemplates::MemberCode))
            .col(text(CollectionTemplates::Code))
            .col(text(CollectionTemplates::Name))
            .col(text(CollectionTemplates::Definition))
            .col(text(CollectionTemplates::UpdatedBy))
            .col(int(CollectionTemplates::UpdatedAt))
            .primary_key(Index::create().col(CollectionTemplates::MemberCode).col(CollectionTemplates::Code))
            .to_owned()),
        T(Table::create()
            .table(ImportMappings::Table)
            .col(text(ImportMappings::MemberCode))
            .col(text(ImportMappings::TemplateCode))
            .col(text(ImportMappings::Mapping))
            .col(int(ImportMappings::UpdatedAt))
            .primary_key(Index::create().col(ImportMappings::MemberCode).col(ImportMappings::TemplateCode))
            .to_owned()),
    ]
}

/// Version 6: members' own screening lists (persons and documents CSV) with
/// their markings; one per member, kind and name.
fn version_6() -> Vec<Step> {
    vec![
        Step::Table(
            Table::create()
                .table(ScreeningLists::Table)
                .col(pk_text(ScreeningLists::Id))
                .col(text(ScreeningLists::MemberCode))
                .col(text(ScreeningLists::Kind))
                .col(text(ScreeningLists::Name))
                .col(text(ScreeningLists::Category))
                .col(int(ScreeningLists::Classification))
                .col(text(ScreeningLists::Tlp))
                .col(text(ScreeningLists::ReleaseMembers))
                .col(text(ScreeningLists::ReleaseGroups))
                .col(int(ScreeningLists::Entries))
                .col(int(ScreeningLists::Size))
                .col(text(ScreeningLists::Sha256))
                .col(ColumnDef::new(ScreeningLists::Content).blob().not_null())
                .col(text(ScreeningLists::UploadedBy))
                .col(text(ScreeningLists::UploadedOrg))
                .col(int(ScreeningLists::UploadedAt))
                .to_owned(),
        ),
        Step::Index(
            index("screening_lists_once", ScreeningLists::Table, &["member_code", "kind", "name"]).unique().to_owned(),
        ),
    ]
}

/// Version 7: indexes for incident analysis: the day of events (date range
/// filters), and the nationality and route-country filters, which look up the
/// records having a value instead of probing every record.
fn version_7() -> Vec<Step> {
    vec![
        Step::Index(index("incident_facts_by_day", IncidentFacts::Table, &["occurred_on"])),
        Step::Index(index("incident_persons_by_nationality", IncidentPersons::Table, &["nationality", "item_id"])),
        Step::Index(index("incident_legs_by_country", IncidentLegs::Table, &["country", "item_id"])),
    ]
}

/// Version 8: incident counts kept ahead of time per dimension, policy class,
/// month and value (crates/godwit-store/src/rollup.rs), so that analysis
/// judges each class once instead of each record. Backfilled in the migration.
fn version_8() -> Vec<Step> {
    vec![
        Step::Table(
            Table::create()
                .table(IncidentClasses::Table)
                .col(ColumnDef::new(IncidentClasses::Id).big_integer().not_null().primary_key())
                .col(text(IncidentClasses::Envelope))
                .to_owned(),
        ),
        Step::Table(
            Table::create()
                .table(IncidentCounted::Table)
                .col(pk_text(IncidentCounted::ItemId))
                .col(int(IncidentCounted::ClassId))
                .to_owned(),
        ),
        Step::Table(
            Table::create()
                .table(IncidentRollup::Table)
                .col(text(IncidentRollup::Dimension))
                .col(int(IncidentRollup::ClassId))
                .col(text(IncidentRollup::Month))
                .col(text(IncidentRollup::Value))
                .col(int(IncidentRollup::Incidents))
                .col(int(IncidentRollup::Persons))
                .primary_key(
                    Index::create()
                        .col(IncidentRollup::Dimension)
                        .col(IncidentRollup::ClassId)
                        .col(IncidentRollup::Month)
                        .col(IncidentRollup::Value),
                )
                .to_owned(),
        ),
    ]
}

/// Version 9: collection plans: requirements (one reference per owning member)
/// and the items linked to them, looked up by item too.
fn version_9() -> Vec<Step> {
    vec![
        Step::Table(
            Table::create()
                .table(Requirements::Table)
                .col(pk_text(Requirements::Id))
                .col(text(Requirements::OwnerMember))
                .col(text(Requirements::Reference))
                .col(text(Requirements::Question))
                .col(text(Requirements::Priority))
                .col(text(Requirements::Indicators))
                .col(text(Requirements::DueOn))
                .col(text(Requirements::RequestingMembers))
                .col(text(Requirements::ReleaseMembers))
                .col(text(Requirements::ReleaseGroups))
                .col(text(Requirements::Status))
                .col(text(Requirements::CreatedBy))
                .col(int(Requirements::CreatedAt))
                .col(int(Requirements::UpdatedAt))
                .to_owned(),
        ),
        Step::Index(
            index("requirements_once", Requirements::Table, &["owner_member", "reference"]).unique().to_owned(),
        ),
        Step::Table(
            Table::create()
                .table(RequirementLinks::Table)
                .col(text(RequirementLinks::RequirementId))
                .col(text(RequirementLinks::ItemId))
                .col(text(RequirementLinks::Indicators))
                .col(text(RequirementLinks::LinkedBy))
                .col(text(RequirementLinks::LinkedMember))
                .col(int(RequirementLinks::LinkedAt))
                .primary_key(Index::create().col(RequirementLinks::RequirementId).col(RequirementLinks::ItemId))
                .to_owned(),
        ),
        Step::Index(index("requirement_links_by_item", RequirementLinks::Table, &["item_id"])),
    ]
}

/// Version 10: threat and risk registers (one per member), their entries (one
/// per threat), evidence links, the history of every change, and the threats
/// members add to the seeded taxonomy.
fn version_10() -> Vec<Step> {
    vec![
        Step::Table(
            Table::create()
                .table(Threats::Table)
                .col(pk_text(Threats::Code))
                .col(text(Threats::Name))
                .col(text(Threats::Description))
                .col(text(Threats::AddedByMember))
                .col(text(Threats::AddedBy))
                .col(int(Threats::AddedAt))
                .to_owned(),
        ),
        Step::Table(
            Table::create()
                .table(ThreatRegisters::Table)
                .col(pk_text(ThreatRegisters::Id))
                .col(text(ThreatRegisters::Member))
                .col(text(ThreatRegisters::Organisation))
                .col(text(ThreatRegisters::CreatedBy))
                .col(text(ThreatRegisters::Title))
                .col(text(ThreatRegisters::Category))
                .col(int(ThreatRegisters::Classification))
                .col(text(ThreatRegisters::Tlp))
                .col(text(ThreatRegisters::Caveats))
                .col(text(ThreatRegisters::Release))
                .col(text(ThreatRegisters::Method))
                .col(int(ThreatRegisters::CreatedAt))
                .col(int(ThreatRegisters::UpdatedAt))
                .to_owned(),
        ),
        Step::Index(index("threat_registers_one_per_member", ThreatRegisters::Table, &["member"]).unique().to_owned()),
        Step::Table(
            Table::create()
                .table(ThreatEntries::Table)
                .col(pk_text(ThreatEntries::Id))
                .col(text(ThreatEntries::RegisterId))
                .col(text(ThreatEntries::ThreatCode))
                .col(text(ThreatEntries::Assessment))
                .col(int(ThreatEntries::Likelihood))
                .col(int(ThreatEntries::Consequence))
                .col(text(ThreatEntries::Trend))
                .col(text(ThreatEntries::Mitigations))
                .col(text(ThreatEntries::ReviewOn))
                .col(text(ThreatEntries::UpdatedBy))
                .col(int(ThreatEntries::UpdatedAt))
                .to_owned(),
        ),
        Step::Index(
            index("threat_entries_one_per_threat", ThreatEntries::Table, &["register_id", "threat_code"])
                .unique()
                .to_owned(),
        ),
        Step::Table(
            Table::create()
                .table(ThreatEvidence::Table)
                .col(text(ThreatEvidence::EntryId))
                .col(text(ThreatEvidence::ItemId))
                .col(text(ThreatEvidence::LinkedBy))
                .col(int(ThreatEvidence::LinkedAt))
                .primary_key(Index::create().col(ThreatEvidence::EntryId).col(ThreatEvidence::ItemId))
                .to_owned(),
        ),
        Step::Table(
            Table::create()
                .table(ThreatChanges::Table)
                .col(pk_text(ThreatChanges::Id))
                .col(text(ThreatChanges::RegisterId))
                .col(opt_text(ThreatChanges::ThreatCode))
                .col(opt_text(ThreatChanges::ItemId))
                .col(text(ThreatChanges::Action))
                .col(text(ThreatChanges::ChangedBy))
                .col(text(ThreatChanges::ChangedMember))
                .col(int(ThreatChanges::ChangedAt))
                .col(opt_text(ThreatChanges::Before))
                .col(opt_text(ThreatChanges::After))
                .to_owned(),
        ),
        Step::Index(index("threat_changes_by_register", ThreatChanges::Table, &["register_id", "id"])),
    ]
}

/// Version 11: requests for information and their timelines (one row per
/// step, numbered from 1 per request).
fn version_11() -> Vec<Step> {
    use Step::{Index as Idx, Table as T};
    vec![
        T(Table::create()
            .table(Rfis::Table)
            .col(pk_text(Rfis::Id))
            .col(text(Rfis::RequesterMember))
            .col(text(Rfis::CreatedBy))
            .col(text(Rfis::Title))
            .col(text(Rfis::Question))
            .col(text(Rfis::Priority))
            .col(text(Rfis::DueOn))
            .col(int(Rfis::Classification))
            .col(text(Rfis::RecipientKind))
            .col(text(Rfis::RecipientCode))
            .col(text(Rfis::ReleaseMembers))
            .col(text(Rfis::ReleaseGroups))
            .col(text(Rfis::State))
            .col(opt_text(Rfis::RespondingMember))
            .col(opt_text(Rfis::Assignee))
            .col(opt_text(Rfis::AnswerItem))
            .col(opt_text(Rfis::AnsweredBy))
            .col(opt_text(Rfis::DeclineReason))
            .col(opt_int(Rfis::RatingScore))
            .col(opt_text(Rfis::RatingComment))
            .col(int(Rfis::CreatedAt))
            .col(int(Rfis::UpdatedAt))
            .col(opt_int(Rfis::RespondedAt))
            .to_owned()),
        Idx(index("rfis_by_due", Rfis::Table, &["due_on"])),
        T(Table::create()
            .table(RfiEvents::Table)
            .col(text(RfiEvents::RfiId))
            .col(int(RfiEvents::Seq))
            .col(int(RfiEvents::At))
            .col(text(RfiEvents::ActorUser))
            .col(text(RfiEvents::ActorMember))
            .col(text(RfiEvents::Action))
            .col(text(RfiEvents::Detail))
            .primary_key(Index::create().col(RfiEvents::RfiId).col(RfiEvents::Seq))
            .to_owned()),
    ]
}

/// Version 12: notifications that no saved search raised (early-warning
/// displacements, collection-plan events). Each notification gets a kind and
/// a topic; the one-per-(search, item, version) index gives way to one per
/// (user, topic), which says the same for saved searches (a search has one
/// owner; their topics are backfilled) and holds for the new kinds. Users
/// choose email and webhook for these; notifier passes keep their marks.
fn version_12() -> Vec<Step> {
    let add = |col: ColumnDef| Step::AlterTable(Table::alter().table(Notifications::Table).add_column(col).to_owned());
    vec![
        add(ColumnDef::new(Notifications::Kind).text().not_null().default("saved_search").to_owned()),
        add(ColumnDef::new(Notifications::Topic).text().not_null().default("").to_owned()),
        Step::DropIndex(Index::drop().name("notifications_once").table(Notifications::Table).to_owned()),
        Step::Table(
            Table::create()
                .table(NoticeChannels::Table)
                .col(pk_text(NoticeChannels::UserId))
                .col(flag(NoticeChannels::NotifyEmail))
                .col(opt_text(NoticeChannels::WebhookUrl))
                .col(int(NoticeChannels::UpdatedAt))
                .to_owned(),
        ),
        Step::Table(
            Table::create()
                .table(NotifierMarks::Table)
                .col(pk_text(NotifierMarks::Name))
                .col(int(NotifierMarks::Mark))
                .to_owned(),
        ),
    ]
}

/// Created after version 12's backfill has given every notification its topic.
fn notifications_once_per_user() -> Step {
    Step::Index(index("notifications_once_per_user", Notifications::Table, &["user_id", "topic"]).unique().to_owned())
}

/// Version 13: regional aggregates: which members contribute to which
/// region, up to which classification (crates/godwit-store/src/regional.rs).
fn version_13() -> Vec<Step> {
    vec![Step::Table(
        Table::create()
            .table(RegionalContributions::Table)
            .col(text(RegionalContributions::GroupCode))
            .col(text(RegionalContributions::MemberCode))
            .col(int(RegionalContributions::Ceiling))
            .col(text(RegionalContributions::OptedInBy))
            .col(int(RegionalContributions::OptedInAt))
            .primary_key(Index::create().col(RegionalContributions::GroupCode).col(RegionalContributions::MemberCode))
            .to_owned(),
    )]
}

/// Version 14: member capacity surveys (crates/godwit-store/src/surveys.rs),
/// one response per questionnaire and member.
fn version_14() -> Vec<Step> {
    vec![
        Step::Table(
            Table::create()
                .table(SurveyQuestionnaires::Table)
                .col(pk_text(SurveyQuestionnaires::Id))
                .col(text(SurveyQuestionnaires::Member))
                .col(text(SurveyQuestionnaires::Organisation))
                .col(text(SurveyQuestionnaires::CreatedBy))
                .col(text(SurveyQuestionnaires::State))
                .col(text(SurveyQuestionnaires::ClosesOn))
                .col(text(SurveyQuestionnaires::Definition))
                .col(int(SurveyQuestionnaires::CreatedAt))
                .col(int(SurveyQuestionnaires::UpdatedAt))
                .to_owned(),
        ),
        Step::Table(
            Table::create()
                .table(SurveyResponses::Table)
                .col(pk_text(SurveyResponses::Id))
                .col(text(SurveyResponses::QuestionnaireId))
                .col(text(SurveyResponses::Member))
                .col(text(SurveyResponses::Organisation))
                .col(text(SurveyResponses::State))
                .col(text(SurveyResponses::Answers))
                .col(text(SurveyResponses::Delegations))
                .col(text(SurveyResponses::Marking))
                .col(opt_text(SurveyResponses::ReturnedReason))
                .col(opt_text(SurveyResponses::SubmittedBy))
                .col(opt_text(SurveyResponses::ApprovedBy))
                .col(int(SurveyResponses::CreatedAt))
                .col(int(SurveyResponses::UpdatedAt))
                .col(opt_int(SurveyResponses::SubmittedAt))
                .to_owned(),
        ),
        Step::Index(
            index("survey_responses_one_per_member", SurveyResponses::Table, &["questionnaire_id", "member"])
                .unique()
                .to_owned(),
        ),
    ]
}

/// Version 15: annual threat assessments and their saved versions.
fn version_15() -> Vec<Step> {
    document_tables(
        Assessments::Table,
        [int(Assessments::Year)],
        AssessmentVersions::Table,
        AssessmentVersions::AssessmentId,
    )
}

/// Version 16: bulletins and their saved versions.
fn version_16() -> Vec<Step> {
    document_tables(
        Bulletins::Table,
        [text(Bulletins::Edition), text(Bulletins::Period)],
        BulletinVersions::Table,
        BulletinVersions::BulletinId,
    )
}

/// Version 17: federation (the node's identity, its peers, what it released
/// to each, and the sealed pages it relays as a hub).
fn version_17() -> Vec<Step> {
    vec![
        Step::Table(
            Table::create()
                .table(NodeIdentity::Table)
                .col(pk_text(NodeIdentity::Id))
                .col(text(NodeIdentity::Member))
                .col(text(NodeIdentity::SigningKey))
                .col(text(NodeIdentity::EncryptionKey))
                .col(int(NodeIdentity::CreatedAt))
                .to_owned(),
        ),
        Step::Table(
            Table::create()
                .table(Peers::Table)
                .col(pk_text(Peers::Member))
                .col(opt_text(Peers::Url))
                .col(opt_text(Peers::Via))
                .col(ColumnDef::new(Peers::SigningKey).text().not_null().unique_key())
                .col(opt_text(Peers::EncryptionKey))
                .col(int(Peers::Cursor))
                .col(int(Peers::CreatedAt))
                .col(int(Peers::UpdatedAt))
                .to_owned(),
        ),
        Step::Table(link(PeerReleases::Table, PeerReleases::PeerMember, PeerReleases::ItemId)),
        Step::Table(
            Table::create()
                .table(RelayEnvelopes::Table)
                .col(text(RelayEnvelopes::FromMember))
                .col(text(RelayEnvelopes::ToMember))
                .col(int(RelayEnvelopes::After))
                .col(int(RelayEnvelopes::Cursor))
                .col(text(RelayEnvelopes::Envelope))
                .col(int(RelayEnvelopes::ReceivedAt))
                .primary_key(
                    Index::create()
                        .col(RelayEnvelopes::FromMember)
                        .col(RelayEnvelopes::ToMember)
                        .col(RelayEnvelopes::After),
                )
                .to_owned(),
        ),
    ]
}

/// Version 18: what was released to a peer, found by item: a page looks up
/// its items among thousands released before, and PostgreSQL, on a list of
/// bound ids, scans every row of the peer without this index.
fn version_18() -> Vec<Step> {
    vec![Step::Index(index("peer_releases_by_item", PeerReleases::Table, &["item_id"]))]
}

/// A table of documents kept in versions, with the columns of [`Documents`]
/// and those `listed` after its creator's, and the table of its versions,
/// naming the document in `document`.
fn document_tables<const N: usize>(
    table: impl Iden + 'static,
    listed: [ColumnDef; N],
    versions: impl Iden + 'static,
    document: impl Iden + Copy + 'static,
) -> Vec<Step> {
    let mut documents = Table::create();
    documents
        .table(table)
        .col(pk_text(Documents::Id))
        .col(text(Documents::Member))
        .col(text(Documents::Organisation))
        .col(text(Documents::CreatedBy));
    for column in listed {
        documents.col(column);
    }
    documents
        .col(text(Documents::Title))
        .col(text(Documents::Draft))
        .col(int(Documents::Version))
        .col(int(Documents::CreatedAt))
        .col(text(Documents::UpdatedBy))
        .col(int(Documents::UpdatedAt));
    vec![
        Step::Table(documents),
        Step::Table(
            Table::create()
                .table(versions)
                .col(text(document))
                .col(int(DocumentVersions::Version))
                .col(text(DocumentVersions::Draft))
                .col(text(DocumentVersions::ChangedBy))
                .col(text(DocumentVersions::ChangedMember))
                .col(int(DocumentVersions::ChangedAt))
                .primary_key(Index::create().col(document).col(DocumentVersions::Version))
                .to_owned(),
        ),
    ]
}

fn render(step: &Step, backend: Backend) -> String {
    match (step, backend) {
        (Step::Table(t), Backend::Sqlite) => t.to_string(SqliteQueryBuilder),
        (Step::Table(t), Backend::Postgres) => t.to_string(PostgresQueryBuilder),
        (Step::Index(i), Backend::Sqlite) => i.to_string(SqliteQueryBuilder),
        (Step::Index(i), Backend::Postgres) => i.to_string(PostgresQueryBuilder),
        (Step::AlterTable(a), Backend::Sqlite) => a.to_string(SqliteQueryBuilder),
        (Step::AlterTable(a), Backend::Postgres) => a.to_string(PostgresQueryBuilder),
        (Step::DropIndex(i), Backend::Sqlite) => i.to_string(SqliteQueryBuilder),
        (Step::DropIndex(i), Backend::Postgres) => i.to_string(PostgresQueryBuilder),
    }
}

/// Collects planner statistics (`ANALYZE`). SQLite reads every index whole
/// (1.5 s over 1,000,000 items): with `analysis_limit` sampling it estimated
/// ~1,000 items per state, chose the state index for lists and sorted every
/// visible item (seconds per page, docs/benchmarks.md).
pub(crate) async fn refresh_statistics(pool: &Pool) -> Result<(), StoreError> {
    pool.target().execute_raw("ANALYZE").await?;
    if let Pool::Sqlite(_, epoch) = pool {
        epoch.renewed();
    }
    Ok(())
}

/// SQLite has no statistics until `ANALYZE` runs once (PostgreSQL's autovacuum
/// collects its own): collect them at start when they are missing.
pub(crate) async fn refresh_statistics_if_missing(pool: &Pool) -> Result<(), StoreError> {
    if pool.backend() != Backend::Sqlite {
        return Ok(());
    }
    let tables: Vec<(String,)> = pool
        .target()
        .fetch_all(
            sea_query::Query::select()
                .column(sea_query::Alias::new("name"))
                .from(sea_query::Alias::new("sqlite_master"))
                .and_where(sea_query::Expr::col(sea_query::Alias::new("name")).eq("sqlite_stat1")),
        )
        .await?;
    let has_items_stats = if tables.is_empty() {
        false
    } else {
        let rows: Vec<(String,)> = pool
            .target()
            .fetch_all(
                sea_query::Query::select()
                    .column(sea_query::Alias::new("tbl"))
                    .from(sea_query::Alias::new("sqlite_stat1"))
                    .and_where(sea_query::Expr::col(sea_query::Alias::new("tbl")).eq("items"))
                    .limit(1),
            )
            .await?;
        !rows.is_empty()
    };
    if has_items_stats { Ok(()) } else { refresh_statistics(pool).await }
}

/// Applies the migrations the database has not seen yet, in one transaction.
/// On PostgreSQL an advisory lock keeps several starting servers from racing.
pub(crate) async fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let backend = pool.backend();
    let mut tx = pool.begin().await?;
    if backend == Backend::Postgres {
        tx.target().execute_raw("SELECT pg_advisory_xact_lock(7466105)").await?;
    }
    let ledger = Table::create()
        .table(SchemaMigrations::Table)
        .if_not_exists()
        .col(ColumnDef::new(SchemaMigrations::Version).big_integer().not_null().primary_key())
        .col(int(SchemaMigrations::AppliedAt))
        .to_owned();
    tx.target().execute_raw(&render(&Step::Table(ledger), backend)).await?;

    let applied: Vec<(i64,)> = tx
        .target()
        .fetch_all(
            &sea_query::Query::select().column(SchemaMigrations::Version).from(SchemaMigrations::Table).to_owned(),
        )
        .await?;
    let migrations: [(i64, Migration); 18] = [
        (1, version_1),
        (2, version_2),
        (3, version_3),
        (4, version_4),
        (5, version_5),
        (6, version_6),
        (7, version_7),
        (8, version_8),
        (9, version_9),
        (10, version_10),
        (11, version_11),
        (12, version_12),
        (13, version_13),
        (14, version_14),
        (15, version_15),
        (16, version_16),
        (17, version_17),
        (18, version_18),
    ];
    for (version, steps) in migrations {
        if applied.iter().any(|(v,)| *v == version) {
            continue;
        }
        for step in steps() {
            tx.target().execute_raw(&render(&step, backend)).await?;
        }
        if version == 5 {
            crate::incidents::backfill(&mut tx).await?;
        }
        if version == 8 {
            crate::rollup::backfill(&mut tx).await?;
        }
        if version == 12 {
            crate::subscriptions::backfill_topics(&mut tx).await?;
            tx.target().execute_raw(&render(&notifications_once_per_user(), backend)).await?;
        }
        tx.target()
            .execute(
                &sea_query::Query::insert()
                    .into_table(SchemaMigrations::Table)
                    .columns([SchemaMigrations::Version, SchemaMigrations::AppliedAt])
                    .values_panic([version.into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
    }
    tx.commit().await
}
