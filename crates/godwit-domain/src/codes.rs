//! Code lists the domain checks against: ISO 3166-1 alpha-3 country codes and
//! ISO 4217 currency codes. Both are sorted so a code is found by binary search.

/// Every ISO 3166-1 alpha-3 code, space separated, sorted.
pub const ISO_ALPHA3: &str = "ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE \
BDI BEL BEN BES BFA BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK \
CHE CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA \
ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ \
GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM \
JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF \
MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL \
NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE \
PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK \
SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI \
URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE";

/// Nationality codes of ICAO Doc 9303 for people without a determined
/// nationality: stateless (`XXA`), refugee (`XXB`, `XXC`), unspecified (`XXX`).
pub const NO_NATIONALITY: [&str; 4] = ["XXA", "XXB", "XXC", "XXX"];

/// Every active ISO 4217 currency code, space separated, sorted.
pub const ISO_4217: &str = "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB \
BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD \
FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR \
KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR \
MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK \
SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES \
VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

/// Binary search over a list of three-letter codes each followed by one space.
fn listed(list: &str, code: &str) -> bool {
    let (mut low, mut high) = (0, list.len().div_ceil(4));
    while low < high {
        let mid = (low + high) / 2;
        match list.get(mid * 4..mid * 4 + 3).map(|c| c.cmp(code)) {
            Some(std::cmp::Ordering::Less) => low = mid + 1,
            Some(std::cmp::Ordering::Greater) => high = mid,
            Some(std::cmp::Ordering::Equal) => return true,
            None => return false,
        }
    }
    false
}

/// True for an ISO 3166-1 alpha-3 code (upper case).
pub fn is_country(code: &str) -> bool {
    listed(ISO_ALPHA3, code)
}

/// True for a country code or one of the no-nationality codes.
pub fn is_nationality(code: &str) -> bool {
    is_country(code) || NO_NATIONALITY.contains(&code)
}

/// True for an active ISO 4217 currency code (upper case).
pub fn is_currency(code: &str) -> bool {
    listed(ISO_4217, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_complete_and_sorted() {
        for (list, len) in [(ISO_ALPHA3, 249), (ISO_4217, 155)] {
            let codes: Vec<&str> = list.split(' ').collect();
            assert_eq!(codes.len(), len);
            assert!(codes.windows(2).all(|w| w[0] < w[1]), "not sorted");
            assert!(codes.iter().all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())));
        }
    }

    #[test]
    fn codes_are_recognised() {
        assert!(is_country("FJI") && is_country("ABW") && is_country("ZWE"));
        assert!(!is_country("fji") && !is_country("QQQ") && !is_country("XXA") && !is_country("FJ"));
        assert!(is_nationality("XXA") && is_nationality("NZL"));
        assert!(is_currency("USD") && is_currency("FJD") && !is_currency("USX"));
    }
}
