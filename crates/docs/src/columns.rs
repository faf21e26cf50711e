//! The columns of the registry's import and export files (documented in
//! `docs/import-format.md`; keep both in step).

use crate::Column;

const fn col(
    code: &'static str,
    label: &'static str,
    required: bool,
    help: &'static str,
) -> Column {
    Column {
        code,
        label,
        required,
        help,
    }
}

pub const PRODUCER_COLUMNS: &[Column] = &[
    col("name", "Tên chủ thể", true, "Tên đầy đủ theo đăng ký kinh doanh."),
    col("kind", "Loại hình", true, "HTX, tổ hợp tác, doanh nghiệp, trang trại, hộ kinh doanh, hội, trung tâm điều hành (hoặc mã: cooperative, cooperative_group, enterprise, farm, household, association, operating_centre)."),
    col("registration_number", "Mã số thuế / số đăng ký", true, "Mã số thuế 10 chữ số (có chữ số kiểm tra) hoặc 10-3 cho chi nhánh; hộ kinh doanh: số đăng ký như 01A8012345."),
    col("address", "Địa chỉ", true, "Số nhà, thôn/ấp…"),
    col("commune_code", "Mã xã", false, "Mã xã/phường hiện hành (5 chữ số). Bắt buộc nếu không có mã xã cũ."),
    col("legacy_commune_code", "Mã xã cũ", false, "Mã xã trước 01/07/2025; nếu không có mã xã mới, hệ thống tự quy đổi."),
    col("phone", "Điện thoại", false, "10 chữ số bắt đầu bằng 0, hoặc +84…"),
    col("email", "Email", false, ""),
    col("website", "Trang web", false, "Bắt đầu bằng http:// hoặc https://"),
    col("representative_name", "Người đại diện", true, "Họ tên người đại diện theo pháp luật."),
    col("representative_gender", "Giới tính người đại diện", true, "Nam hoặc Nữ."),
    col("representative_ethnicity", "Dân tộc người đại diện", false, "Mặc định Kinh."),
    col("representative_disability", "Người đại diện khuyết tật", false, "Có / Không (mặc định Không)."),
    col("community_capital_pct", "Tỷ lệ vốn góp cộng đồng (%)", false, "Số từ 0 đến 100."),
    col("workers", "Số lao động", false, "Số nguyên."),
    col("description", "Giới thiệu", false, ""),
];

pub const PRODUCT_COLUMNS: &[Column] = &[
    col(
        "producer_registration_number",
        "Mã số thuế chủ thể",
        true,
        "Chủ thể phải có sẵn trong hệ thống hoặc trong cùng tệp chủ thể đã nhập.",
    ),
    col("name", "Tên sản phẩm", true, ""),
    col(
        "set_code",
        "Bộ sản phẩm",
        true,
        "01 đến 26 theo Phụ lục I Quyết định 26/2026.",
    ),
    col("description", "Mô tả", false, ""),
    col(
        "gtin",
        "GTIN",
        false,
        "Mã vạch GS1 8, 12, 13 hoặc 14 chữ số, đúng chữ số kiểm tra.",
    ),
    col(
        "code",
        "Mã sản phẩm",
        false,
        "(T)-(X)-(STT)-(Năm) nếu đã có; để trống để hệ thống cấp.",
    ),
    col(
        "stars",
        "Hạng sao",
        false,
        "3, 4 hoặc 5 nếu đã được công nhận.",
    ),
    col(
        "decision_number",
        "Số quyết định",
        false,
        "Bắt buộc khi có hạng sao.",
    ),
    col(
        "issuer",
        "Cơ quan công nhận",
        false,
        "Bắt buộc khi có hạng sao.",
    ),
    col(
        "issued_on",
        "Ngày cấp",
        false,
        "dd/mm/yyyy. Hạn = ngày cấp + 36 tháng.",
    ),
];

/// The open data set of OCOP products (`/du-lieu-mo`): one row per product
/// that holds or held a certificate, with the latest certificate's status on
/// the day of the download. The page `/du-lieu-mo` documents them from this
/// list; a column is never renamed or removed, only added.
pub const OPEN_DATA_COLUMNS: &[Column] = &[
    col(
        "code",
        "Mã sản phẩm",
        true,
        "Mã (T)-(X)-(STT)-(Năm): tỉnh, xã, số thứ tự, năm.",
    ),
    col("name", "Tên sản phẩm", true, ""),
    col("gtin", "GTIN", false, "Mã vạch GS1 14 chữ số, nếu có."),
    col(
        "set_code",
        "Bộ sản phẩm",
        true,
        "01–26, Phụ lục I Quyết định 26/2026.",
    ),
    col("group_code", "Nhóm sản phẩm", true, "I–VI."),
    col("producer", "Chủ thể", true, ""),
    col(
        "province_code",
        "Mã tỉnh",
        true,
        "Mã tỉnh, thành phố hiện hành (34 đơn vị).",
    ),
    col("province", "Tỉnh, thành phố", true, ""),
    col(
        "commune_code",
        "Mã xã",
        true,
        "Mã xã, phường, đặc khu hiện hành (5 chữ số).",
    ),
    col("commune", "Xã, phường, đặc khu", true, ""),
    col("stars", "Hạng sao", true, "3, 4 hoặc 5."),
    col(
        "certificate_number",
        "Số giấy chứng nhận",
        true,
        "Số công khai, tra cứu được tại /xac-minh.",
    ),
    col("decision_number", "Quyết định công nhận", true, ""),
    col("issuer", "Cơ quan công nhận", true, ""),
    col("issued_on", "Ngày cấp", true, "YYYY-MM-DD."),
    col("expires_on", "Hiệu lực đến", true, "YYYY-MM-DD (36 tháng)."),
    col(
        "revoked_on",
        "Ngày thu hồi",
        false,
        "YYYY-MM-DD, nếu bị thu hồi.",
    ),
    col(
        "status",
        "Tình trạng",
        true,
        "valid, expiring_soon (còn ≤ 180 ngày), expired, revoked — tính tại ngày tải.",
    ),
    col(
        "url",
        "Trang sản phẩm",
        true,
        "Địa chỉ trang công khai của sản phẩm.",
    ),
];
