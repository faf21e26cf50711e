//! Who may do what, where. The single place where authorization is decided.
//!
//! A write in the store takes a [`Capability`], and the only way to get one is
//! [`authorize`]: a handler that forgets the check does not compile.

use serde::{Deserialize, Serialize};

/// A role held by a user, scoped to where it applies.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// Quản trị hệ thống.
    Admin,
    /// Bộ Nông nghiệp và Môi trường (national).
    Ministry,
    /// Cơ quan tham mưu quản lý OCOP cấp tỉnh.
    ProvinceOffice { province: String },
    /// Cán bộ UBND cấp xã.
    CommuneOfficer { province: String, commune: String },
    /// Thành viên hội đồng đánh giá, phân hạng.
    CouncilMember { council_id: i64 },
    /// Tài khoản của một chủ thể OCOP.
    Producer {
        province: String,
        commune: String,
        producer_id: i64,
    },
    /// Người vận hành điểm giới thiệu và bán sản phẩm OCOP.
    PointOfSale { pos_id: i64 },
    /// Người mua, nhà phân phối.
    Buyer,
}

impl Role {
    pub fn code(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Ministry => "ministry",
            Role::ProvinceOffice { .. } => "province_office",
            Role::CommuneOfficer { .. } => "commune_officer",
            Role::CouncilMember { .. } => "council_member",
            Role::Producer { .. } => "producer",
            Role::PointOfSale { .. } => "point_of_sale",
            Role::Buyer => "buyer",
        }
    }

    pub fn label(&self) -> &'static str {
        label_of(self.code())
    }

    /// Where the role applies, as a scope (used when granting it).
    pub fn scope(&self) -> Scope {
        match self {
            Role::ProvinceOffice { province } => Scope::province(province),
            Role::CommuneOfficer { province, commune } => Scope::commune(province, commune),
            Role::Producer {
                province,
                commune,
                producer_id,
            } => Scope::producer(province, commune, *producer_id),
            _ => Scope::national(),
        }
    }
}

pub const ROLE_CODES: [&str; 8] = [
    "admin",
    "ministry",
    "province_office",
    "commune_officer",
    "council_member",
    "producer",
    "point_of_sale",
    "buyer",
];

pub fn label_of(code: &str) -> &'static str {
    match code {
        "admin" => "Quản trị hệ thống",
        "ministry" => "Bộ Nông nghiệp và Môi trường",
        "province_office" => "Văn phòng OCOP tỉnh",
        "commune_officer" => "Cán bộ UBND xã",
        "council_member" => "Thành viên hội đồng",
        "producer" => "Chủ thể OCOP",
        "point_of_sale" => "Điểm bán OCOP",
        "buyer" => "Người mua, nhà phân phối",
        _ => "Không rõ",
    }
}

/// Where a record lives: the unit that owns it, and the producer if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub province: Option<String>,
    pub commune: Option<String>,
    pub producer_id: Option<i64>,
    /// The council (evaluation round) a record belongs to.
    pub council_id: Option<i64>,
    /// The point of sale a record belongs to.
    pub pos_id: Option<i64>,
    /// The account that authored a record (a buyer's demand): its author
    /// may manage it whatever the unit.
    pub owner: Option<i64>,
}

impl Scope {
    pub fn national() -> Self {
        Self::default()
    }
    pub fn province(p: &str) -> Self {
        Self {
            province: Some(p.to_string()),
            ..Self::default()
        }
    }
    pub fn commune(p: &str, c: &str) -> Self {
        Self {
            province: Some(p.to_string()),
            commune: Some(c.to_string()),
            ..Self::default()
        }
    }
    /// A council's work in a province.
    /// A council's records: `p` is its province, `None` for the ministry's central council.
    pub fn council(p: Option<&str>, council_id: i64) -> Self {
        Self {
            province: p.map(str::to_string),
            council_id: Some(council_id),
            ..Self::default()
        }
    }
    /// A point of sale in a province.
    pub fn point_of_sale(p: &str, pos_id: i64) -> Self {
        Self {
            province: Some(p.to_string()),
            pos_id: Some(pos_id),
            ..Self::default()
        }
    }
    pub fn producer(p: &str, c: &str, id: i64) -> Self {
        Self {
            province: Some(p.to_string()),
            commune: Some(c.to_string()),
            producer_id: Some(id),
            ..Self::default()
        }
    }
    /// A record authored by account `user_id`.
    pub fn owned_by(user_id: i64) -> Self {
        Self {
            owner: Some(user_id),
            ..Self::default()
        }
    }
}

/// Every kind of write the system knows. Adding one forces a decision in [`permits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    CreateProducer,
    EditProducer,
    DeactivateProducer,
    CreateProduct,
    EditProduct,
    DeactivateProduct,
    UploadProductImage,
    RecordCertificate,
    /// Revoke a 3★/4★ certificate (the provincial chairman's competence).
    RevokeProvincialCertificate,
    /// Revoke a 5★ certificate (the minister's competence).
    RevokeNationalCertificate,
    ImportRegistry,
    /// File, resubmit or withdraw an evaluation dossier.
    FileDossier,
    /// The commune's review: return or forward a dossier.
    ReviewDossier,
    /// Write in a dossier's thread: its producer, its commune, its
    /// province's office, its council, the ministry.
    CommentDossier,
    /// Set up an evaluation round and its council, assign dossiers, close scoring.
    ManageRound,
    /// A council member scores a dossier of their round.
    ScoreDossier,
    /// Record the province's decision on a scored dossier (and issue the certificate).
    IssueDecision,
    /// Register a point of sale, or change its status (approval is the province's).
    ManagePointOfSale,
    /// List or unlist products at a point of sale.
    ManageListing,
    /// Record a product's recognition in another category Decision 950
    /// admits for points of sale (provincial key product…).
    RecordDesignation,
    /// Organise a fair or promotion week: plan it, allocate booths, report
    /// its figures (the host province's office, or the ministry).
    ManageTradeEvent,
    /// Apply for a booth at an event, for a producer.
    ApplyForBooth,
    /// Post a buyer's demand (supermarket chain, distributor, point of sale).
    PostDemand,
    /// Close one's own demand.
    ManageDemand,
    /// Offer a certified product: capacity, season, prices, delivery area.
    PostOffer,
    /// Introduce a product to a demand (either side), or answer an introduction.
    Introduce,
    /// Record a trade agreement or change its status.
    RecordAgreement,
    /// Record a post-certification inspection (the province's office in its
    /// province; the ministry anywhere, Decision 26/2026 Art. 9.4).
    RecordInspection,
    CreateUser,
    GrantRole,
    DeactivateUser,
    ChangeOwnPassword,
}

impl Action {
    pub const ALL: [Action; 32] = [
        Action::CreateProducer,
        Action::EditProducer,
        Action::DeactivateProducer,
        Action::CreateProduct,
        Action::EditProduct,
        Action::DeactivateProduct,
        Action::UploadProductImage,
        Action::RecordCertificate,
        Action::RevokeProvincialCertificate,
        Action::RevokeNationalCertificate,
        Action::ImportRegistry,
        Action::FileDossier,
        Action::ReviewDossier,
        Action::CommentDossier,
        Action::ManageRound,
        Action::ScoreDossier,
        Action::IssueDecision,
        Action::ManagePointOfSale,
        Action::ManageListing,
        Action::RecordDesignation,
        Action::ManageTradeEvent,
        Action::ApplyForBooth,
        Action::PostDemand,
        Action::ManageDemand,
        Action::PostOffer,
        Action::Introduce,
        Action::RecordAgreement,
        Action::RecordInspection,
        Action::CreateUser,
        Action::GrantRole,
        Action::DeactivateUser,
        Action::ChangeOwnPassword,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::CreateProducer => "producer.create",
            Action::EditProducer => "producer.edit",
            Action::DeactivateProducer => "producer.deactivate",
            Action::CreateProduct => "product.create",
            Action::EditProduct => "product.edit",
            Action::DeactivateProduct => "product.deactivate",
            Action::UploadProductImage => "product.image",
            Action::RecordCertificate => "certificate.record",
            Action::RevokeProvincialCertificate => "certificate.revoke_provincial",
            Action::RevokeNationalCertificate => "certificate.revoke_national",
            Action::ImportRegistry => "registry.import",
            Action::FileDossier => "dossier.file",
            Action::ReviewDossier => "dossier.review",
            Action::CommentDossier => "dossier.comment",
            Action::ManageRound => "round.manage",
            Action::ScoreDossier => "dossier.score",
            Action::IssueDecision => "dossier.decide",
            Action::ManagePointOfSale => "pos.manage",
            Action::ManageListing => "pos.listing",
            Action::RecordDesignation => "product.designation",
            Action::ManageTradeEvent => "event.manage",
            Action::ApplyForBooth => "event.apply_booth",
            Action::PostDemand => "demand.post",
            Action::ManageDemand => "demand.manage",
            Action::PostOffer => "offer.post",
            Action::Introduce => "match.introduce",
            Action::RecordAgreement => "agreement.record",
            Action::RecordInspection => "certificate.inspect",
            Action::CreateUser => "user.create",
            Action::GrantRole => "user.grant_role",
            Action::DeactivateUser => "user.deactivate",
            Action::ChangeOwnPassword => "user.change_password",
        }
    }
}

/// The action that revokes a certificate of `stars`: the competent level
/// differs (Decision 26/2026: provincial chairman for 3★–4★, minister for 5★).
pub fn revocation_action(stars: u8) -> Action {
    if stars >= 5 {
        Action::RevokeNationalCertificate
    } else {
        Action::RevokeProvincialCertificate
    }
}

/// The authenticated person making a request.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }

    /// The scope this actor administers as an OCOP office: national for a
    /// system administrator, its province for a provincial office, none for
    /// everyone else. Account management, imports, rounds and the network of
    /// points of sale are all run from this scope.
    pub fn office_scope(&self) -> Option<Scope> {
        if self.is_admin() {
            return Some(Scope::national());
        }
        self.roles.iter().find_map(|r| match r {
            Role::ProvinceOffice { province } => Some(Scope::province(province)),
            _ => None,
        })
    }

    /// The narrowest unit this actor's work concerns, for default filters.
    pub fn home_scope(&self) -> Scope {
        for r in &self.roles {
            match r {
                Role::Admin | Role::Ministry => return Scope::national(),
                _ => {}
            }
        }
        self.roles.first().map(Role::scope).unwrap_or_default()
    }

    /// The role in which this actor may do `action` in `scope` (the first that
    /// permits it): the capacity a record such as a comment is written in.
    pub fn acting_role(&self, action: Action, scope: &Scope) -> Option<&Role> {
        self.roles.iter().find(|r| permits(r, action, scope, None))
    }

    /// May this actor read non-public registry data (contacts, history) in this scope?
    pub fn can_read(&self, scope: &Scope) -> bool {
        self.roles.iter().any(|r| match r {
            Role::Admin | Role::Ministry => true,
            Role::ProvinceOffice { province } => scope.province.as_deref() == Some(province),
            Role::CommuneOfficer { commune, .. } => scope.commune.as_deref() == Some(commune),
            Role::Producer { producer_id, .. } => scope.producer_id == Some(*producer_id),
            _ => false,
        })
    }
}

/// Proof that an actor was authorized for one action in one scope. Only
/// [`authorize`] makes one; the store's writes demand it and record its actor
/// in the audit log.
#[derive(Debug, Clone)]
pub struct Capability {
    actor_id: i64,
    actor_name: String,
    action: Action,
    scope: Scope,
}

impl Capability {
    pub fn actor_id(&self) -> i64 {
        self.actor_id
    }
    pub fn actor_name(&self) -> &str {
        &self.actor_name
    }
    pub fn action(&self) -> Action {
        self.action
    }
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The system itself (start-up seeding, `ocop demo`, `ocop user` on the
    /// server's console), recorded as such in the audit log.
    pub fn system(action: Action) -> Self {
        Self {
            actor_id: 0,
            actor_name: "hệ thống".to_string(),
            action,
            scope: Scope::national(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Denied {
    pub message: String,
    pub message_en: String,
}

fn in_province(scope: &Scope, province: &str) -> bool {
    scope.province.as_deref() == Some(province)
}

fn in_commune(scope: &Scope, commune: &str) -> bool {
    scope.commune.as_deref() == Some(commune)
}

/// The rule table: may `role` do `action` on a record in `scope`?
/// For [`Action::GrantRole`], `granted` is the role being granted.
pub fn permits(role: &Role, action: Action, scope: &Scope, granted: Option<&Role>) -> bool {
    use Action::*;
    match role {
        Role::Admin => true,
        // The ministry also runs national and regional fairs, wherever held,
        // and the central rounds for 5★ and their decisions (national scope).
        Role::Ministry => match action {
            RecordCertificate
            | RevokeNationalCertificate
            | ManageTradeEvent
            | RecordInspection
            | CommentDossier
            | ChangeOwnPassword => true,
            ManageRound | IssueDecision => scope.province.is_none(),
            _ => false,
        },
        Role::ProvinceOffice { province } => match action {
            CreateProducer
            | EditProducer
            | DeactivateProducer
            | CreateProduct
            | EditProduct
            | DeactivateProduct
            | UploadProductImage
            | RecordCertificate
            | ImportRegistry
            | CreateUser
            | DeactivateUser
            | RevokeProvincialCertificate
            | FileDossier
            | ManageRound
            | IssueDecision
            | ManagePointOfSale
            | ManageListing
            | RecordDesignation
            | ManageTradeEvent
            | ApplyForBooth
            | PostOffer
            | RecordAgreement
            | RecordInspection
            | CommentDossier => in_province(scope, province),
            // Demands are the buyers'; introductions are made by the parties.
            PostDemand | ManageDemand | Introduce => false,
            // The commune reviews; the province receives what it forwards;
            // only council members score.
            RevokeNationalCertificate | ReviewDossier | ScoreDossier => false,
            GrantRole => {
                matches!(
                    granted,
                    Some(Role::CommuneOfficer { .. } | Role::Producer { .. })
                ) && in_province(scope, province)
            }
            ChangeOwnPassword => true,
        },
        Role::CommuneOfficer { commune, .. } => match action {
            CreateProducer | EditProducer | DeactivateProducer | CreateProduct | EditProduct
            | DeactivateProduct | UploadProductImage | FileDossier | ReviewDossier
            | CommentDossier => in_commune(scope, commune),
            ChangeOwnPassword => true,
            _ => false,
        },
        Role::Producer { producer_id, .. } => match action {
            EditProducer | CreateProduct | EditProduct | UploadProductImage | FileDossier
            | ApplyForBooth | PostOffer | Introduce | RecordAgreement | CommentDossier => {
                scope.producer_id == Some(*producer_id)
            }
            ChangeOwnPassword => true,
            _ => false,
        },
        Role::CouncilMember { council_id } => match action {
            ScoreDossier | CommentDossier => scope.council_id == Some(*council_id),
            ChangeOwnPassword => true,
            _ => false,
        },
        Role::PointOfSale { pos_id } => match action {
            ManageListing => scope.pos_id == Some(*pos_id),
            PostDemand | ChangeOwnPassword => true,
            _ => false,
        },
        Role::Buyer => matches!(action, PostDemand | ChangeOwnPassword),
    }
}

/// The authorship rule, beside the role table: a buyer (or a point of sale
/// buying) manages the demands it posted, makes and answers introductions
/// on them, and updates the agreements recorded as its own.
fn owns(actor: &Actor, action: Action, scope: &Scope) -> bool {
    matches!(
        action,
        Action::ManageDemand | Action::Introduce | Action::RecordAgreement
    ) && scope.owner == Some(actor.user_id)
        && actor
            .roles
            .iter()
            .any(|r| matches!(r, Role::Buyer | Role::PointOfSale { .. }))
}

/// Decide, once, whether `actor` may do `action` in `scope`.
pub fn authorize(actor: &Actor, action: Action, scope: &Scope) -> Result<Capability, Denied> {
    authorize_grant(actor, action, scope, None)
}

/// [`authorize`] for granting a role: the scope is the granted role's.
pub fn authorize_grant(
    actor: &Actor,
    action: Action,
    scope: &Scope,
    granted: Option<&Role>,
) -> Result<Capability, Denied> {
    if actor
        .roles
        .iter()
        .any(|r| permits(r, action, scope, granted))
        || owns(actor, action, scope)
    {
        Ok(Capability {
            actor_id: actor.user_id,
            actor_name: actor.username.clone(),
            action,
            scope: scope.clone(),
        })
    } else {
        Err(Denied {
            message: "Bạn không có quyền thực hiện thao tác này trên hồ sơ này.".into(),
            message_en: format!("Not allowed: {} in this scope.", action.code()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: 7,
            username: "u".into(),
            roles: vec![role],
        }
    }

    #[test]
    fn commune_officer_is_confined_to_their_commune() {
        let a = actor(Role::CommuneOfficer {
            province: "01".into(),
            commune: "00004".into(),
        });
        assert!(authorize(&a, Action::CreateProducer, &Scope::commune("01", "00004")).is_ok());
        assert!(authorize(&a, Action::CreateProducer, &Scope::commune("01", "00008")).is_err());
        assert!(authorize(
            &a,
            Action::RecordCertificate,
            &Scope::commune("01", "00004")
        )
        .is_err());
    }

    #[test]
    fn producer_edits_only_its_own() {
        let a = actor(Role::Producer {
            province: "01".into(),
            commune: "00004".into(),
            producer_id: 5,
        });
        assert!(authorize(&a, Action::EditProducer, &Scope::producer("01", "00004", 5)).is_ok());
        assert!(authorize(&a, Action::EditProducer, &Scope::producer("01", "00004", 6)).is_err());
        assert!(authorize(
            &a,
            Action::DeactivateProducer,
            &Scope::producer("01", "00004", 5)
        )
        .is_err());
    }

    #[test]
    fn province_office_grants_only_local_roles() {
        let a = actor(Role::ProvinceOffice {
            province: "01".into(),
        });
        let officer = Role::CommuneOfficer {
            province: "01".into(),
            commune: "00004".into(),
        };
        assert!(authorize_grant(&a, Action::GrantRole, &officer.scope(), Some(&officer)).is_ok());
        let admin = Role::Admin;
        assert!(authorize_grant(&a, Action::GrantRole, &admin.scope(), Some(&admin)).is_err());
        let other = Role::CommuneOfficer {
            province: "02".into(),
            commune: "00700".into(),
        };
        assert!(authorize_grant(&a, Action::GrantRole, &other.scope(), Some(&other)).is_err());
    }

    #[test]
    fn revocation_follows_the_competent_level() {
        let office = actor(Role::ProvinceOffice {
            province: "01".into(),
        });
        let ministry = actor(Role::Ministry);
        let here = Scope::producer("01", "00004", 1);
        assert!(authorize(&office, revocation_action(4), &here).is_ok());
        assert!(authorize(&office, revocation_action(5), &here).is_err());
        assert!(authorize(
            &office,
            revocation_action(3),
            &Scope::producer("02", "00700", 2)
        )
        .is_err());
        assert!(authorize(&ministry, revocation_action(5), &here).is_ok());
        assert!(authorize(&ministry, revocation_action(4), &here).is_err());
    }

    #[test]
    fn buyers_manage_what_they_posted() {
        let buyer = Actor {
            user_id: 7,
            username: "b".into(),
            roles: vec![Role::Buyer],
        };
        assert!(authorize(&buyer, Action::PostDemand, &Scope::national()).is_ok());
        assert!(authorize(&buyer, Action::ManageDemand, &Scope::owned_by(7)).is_ok());
        assert!(authorize(&buyer, Action::ManageDemand, &Scope::owned_by(8)).is_err());
        assert!(authorize(&buyer, Action::PostOffer, &Scope::owned_by(7)).is_err());
        // Authorship alone is not a role: an account without a buyer role cannot.
        let officer = Actor {
            roles: vec![Role::CommuneOfficer {
                province: "01".into(),
                commune: "00004".into(),
            }],
            ..buyer
        };
        assert!(authorize(&officer, Action::ManageDemand, &Scope::owned_by(7)).is_err());
    }

    #[test]
    fn capability_carries_the_actor() {
        let cap = authorize(
            &actor(Role::Admin),
            Action::ImportRegistry,
            &Scope::national(),
        )
        .unwrap();
        assert_eq!(cap.actor_id(), 7);
        assert_eq!(cap.action(), Action::ImportRegistry);
    }
}
