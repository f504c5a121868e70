//! ISO 3166-1 alpha-2 codes, which STIX locations use, for Godwit's alpha-3.

use godwit_domain::codes::ISO_ALPHA3;

/// The alpha-2 code of each alpha-3 code of [`ISO_ALPHA3`], in the same order.
const ALPHA2: &str = "AW AF AO AI AX AL AD AE AR AM AS AQ TF AG AU AT AZ BI BE BJ BQ BF BD BG BH BS BA BL \
BY BZ BM BO BR BB BN BT BV BW CF CA CC CH CL CN CI CM CD CG CK CO KM CV CR CU CW CX KY CY CZ DE DJ DM DK \
DO DZ EC EG ER EH ES EE ET FI FJ FK FR FO FM GA GB GE GG GH GI GN GP GM GW GQ GR GD GL GT GF GU GY HK HM \
HN HR HT HU ID IM IN IO IE IR IQ IS IL IT JM JE JO JP KZ KE KG KH KI KN KR KW LA LB LR LY LC LI LK LS LT \
LU LV MO MF MA MC MD MG MV MX MH MK ML MT MM ME MN MP MZ MR MS MQ MU MW MY YT NA NC NE NF NG NI NU NL NO \
NP NR NZ OM PK PA PN PE PH PW PG PL PR KP PT PY PS PF QA RE RO RU RW SA SD SN SG GS SH SJ SB SL SV SM SO \
PM RS SS ST SR SK SI SE SZ SX SC SY TC TD TG TH TJ TK TM TL TO TT TN TR TV TW TZ UG UA UM UY US UZ VA VC \
VE VG VI VN VU WF WS YE ZA ZM ZW";

/// `FJI` → `FJ`.
pub fn alpha2(alpha3: &str) -> Option<&'static str> {
    let position = ISO_ALPHA3.split(' ').position(|c| c == alpha3)?;
    ALPHA2.split(' ').nth(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_lists_pair_every_country_once() {
        let distinct: std::collections::BTreeSet<&str> = ALPHA2.split(' ').collect();
        assert_eq!(distinct.len(), ISO_ALPHA3.split(' ').count());
        assert!(distinct.iter().all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())));
        assert_eq!(alpha2("FJI"), Some("FJ"));
        assert_eq!(alpha2("NZL"), Some("NZ"));
        assert_eq!(alpha2("WSM"), Some("WS"));
        assert_eq!(alpha2("ZWE"), Some("ZW"));
        assert_eq!(alpha2("XXA"), None);
    }
}
