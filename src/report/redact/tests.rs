use super::*;

fn mappings_of(texts: &[&str], domains: &[&str]) -> Vec<Mapping> {
    let mut collector = Collector::default();
    for d in domains {
        collector.add(Kind::Domain, d);
    }
    collector.texts(&texts.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>());
    collector.finish()
}

fn redacted(text: &str, mappings: &[Mapping]) -> String {
    let mut text = text.to_owned();
    Replacer::new(mappings).unwrap().apply(&mut text);
    text
}

#[test]
fn transcript_headers_and_profile_paths_name_users() {
    let text = "Username: CONTOSO\\kim.akers\nRunAs User: CONTOSO\\kim.akers\n\
                PS C:\\Users\\kim.akers> Get-CsTenant\nC:\\Users\\Public\\x C:\\Users\\Administrator\\y";
    let m = mappings_of(&[text], &[]);
    let out = redacted(text, &m);
    assert_eq!(
        out,
        "Username: domain-1\\user-1\nRunAs User: domain-1\\user-1\n\
         PS C:\\Users\\user-1> Get-CsTenant\nC:\\Users\\Public\\x C:\\Users\\Administrator\\y"
    );
}

#[test]
fn upns_tenants_and_fqdns_keep_their_shape() {
    let text = "kim@contoso.com signed in to admin@fabrikam.onmicrosoft.com via \
                sip.contoso.com and admin0a.online.lync.com; CONTOSO\\svc-cce ran it";
    let m = mappings_of(&[text], &[]);
    assert_eq!(
        redacted(text, &m),
        "user-1@domain-1 signed in to admin@tenant-1.onmicrosoft.com via \
         host-1.domain-1 and admin0a.online.lync.com; domain-2\\user-2 ran it"
    );
}

#[test]
fn addresses_but_not_versions_or_link_local() {
    let text = "IP=192.168.213.2/24 gw 192.168.213.1 {169.254.12.7, fe80::5d4:1a2b:3c4d:102} \
                2.1.0.0-CMS Version=2.0.1.0 5.1.14393.4583 at 09:12:44 [System.IO.Path]::Combine ::1 \
                2001:db8::7 mask 255.255.255.0";
    let m = mappings_of(&[text], &[]);
    assert_eq!(
        redacted(text, &m),
        "IP=10.0.0.1/24 gw 10.0.0.2 {169.254.12.7, ipv6-1} \
         2.1.0.0-CMS Version=2.0.1.0 5.1.14393.4583 at 09:12:44 [System.IO.Path]::Combine ::1 \
         ipv6-2 mask 255.255.255.0"
    );
}

#[test]
fn names_too_short_to_identify_anyone_stay() {
    let text = "Username: AD\\jd\nRunAs User: AD\\kimakers\nActive Directory (AD) is up";
    let m = mappings_of(&[text], &[]);
    assert_eq!(redacted(text, &m), "Username: AD\\jd\nRunAs User: AD\\user-1\nActive Directory (AD) is up");
}

#[test]
fn pseudonyms_never_equal_an_address_of_the_inputs() {
    let text = "10.0.0.2 and 10.0.0.1";
    let m = mappings_of(&[text], &[]);
    assert_eq!(redacted(text, &m), "10.0.0.3 and 10.0.0.4");
}

#[test]
fn only_whole_tokens_are_replaced_in_any_case() {
    let m = vec![Mapping { kind: Kind::Host, original: "CCE-HOST01".into(), pseudonym: "host-1".into() }];
    assert_eq!(
        redacted("PowerShell_transcript.cce-host01.2026.txt CCE-HOST010 xCCE-HOST01", &m),
        "PowerShell_transcript.host-1.2026.txt CCE-HOST010 xCCE-HOST01"
    );
}

#[test]
fn known_domains_from_the_ini_qualify_hosts() {
    let text = "ping dc.cce.contoso.local and CCE-HOST01.contoso.com";
    let m = mappings_of(&[text], &["contoso.com", "cce.contoso.local"]);
    assert_eq!(redacted(text, &m), "ping host-1.domain-2 and host-2.domain-1");
}
